import Foundation
import VigilCore
import Yams

/// Reads a YAML config strictly: syntax errors, unknown keys, wrong types and out-of-range values become a
/// `ConfigError` naming the key path and the line.
public enum ConfigLoader {
    /// Loads `path`. A missing or unreadable file is an error with exit status 66 (no input). `opensCameras`
    /// false (commands that open no camera: `detect`, `check`, `replay --config`): an unset `${NAME}` in a
    /// camera's URL is kept as written instead of being an error, so the documented config works without the
    /// cameras' secrets.
    public static func load(path: String, environment: [String: String]? = nil,
                            opensCameras: Bool = true) throws -> VigilConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigLoadError.missing(path)
        }
        // Read to the end through a file handle: a pipe works too (`--config <(envsubst < vigil.yaml.in)`, a FIFO),
        // which `FileManager.contents(atPath:)` refuses.
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data() else {
            throw ConfigLoadError.unreadable(path)
        }
        try? handle.close()
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, keyPath: "", line: nil, message: "the file is not UTF-8 text")
        }
        return try parse(text, file: path, environment: environment, opensCameras: opensCameras)
    }

    /// Parses config text. `environment` replaces the process environment for `${VAR}` (tests).
    public static func parse(_ text: String, file: String = "<string>",
                             environment: [String: String]? = nil, opensCameras: Bool = true) throws -> VigilConfig {
        let root: Node
        do {
            root = try Yams.compose(yaml: text) ?? Node.mapping(.init([]))
        } catch let e as YamlError {
            throw syntaxError(e, file: file)
        }
        guard root.mapping != nil else {
            throw ConfigError(file: file, keyPath: "", line: root.mark?.line,
                              message: "the config must be a mapping of keys (alerts, cameras, motion, …)")
        }
        let merged = mergeCameraOverrides(root)
        do {
            return try EnvironmentExpansion.$overrides.withValue(environment) {
                try EnvironmentExpansion.$keepUnsetInURLs.withValue(!opensCameras) {
                    try YAMLDecoder().decode(VigilConfig.self, from: merged)
                }
            }
        } catch let e as DecodingError {
            throw decodingError(e, root: root, file: file)
        }
    }

    /// A camera's `motion:`, `detect:`, `tamper:` and `record:` override single keys of the top-level sections of the same
    /// name: merge the mappings before decoding, so the camera gets the top-level values for keys it does not set.
    static func mergeCameraOverrides(_ root: Node) -> Node {
        var merged = root
        for section in ["motion", "detect", "tamper", "record"] { merged = mergeCameraOverrides(merged, section: section) }
        return merged
    }

    static func mergeCameraOverrides(_ root: Node, section: String) -> Node {
        guard var top = root.mapping, let global = top[section]?.mapping,
              let cams = top["cameras"]?.sequence else { return root }
        var newCams: [Node] = []
        for cam in cams {
            guard var camMap = cam.mapping else { newCams.append(cam); continue }
            guard let own = camMap[section]?.mapping else {
                if camMap[section] == nil { camMap[section] = .mapping(global) }
                newCams.append(.mapping(camMap))
                continue
            }
            var pairs = Array(own.map { ($0.key, $0.value) })
            let ownKeys = Set(own.keys.compactMap(\.string))
            for (k, v) in global where !ownKeys.contains(k.string ?? "") { pairs.append((k, v)) }
            camMap[section] = .mapping(.init(pairs, own.tag, own.style, own.mark))
            newCams.append(.mapping(camMap))
        }
        if var seq = top["cameras"]?.sequence {
            seq = .init(newCams, seq.tag, seq.style, seq.mark)
            top["cameras"] = .sequence(seq)
        }
        return .mapping(top)
    }

    static func syntaxError(_ e: YamlError, file: String) -> ConfigError {
        switch e {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ConfigError(file: file, keyPath: "", line: mark.line, message: "YAML syntax: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigError(file: file, keyPath: "", line: context.mark.line,
                               message: "duplicate key \(duplicates.joined(separator: ", "))")
        default:
            return ConfigError(file: file, keyPath: "", line: nil, message: "YAML: \(e)")
        }
    }

    static func decodingError(_ e: DecodingError, root: Node, file: String) -> ConfigError {
        let (path, message): ([any CodingKey], String)
        switch e {
        case let .typeMismatch(type, ctx):
            path = ctx.codingPath
            message = "expected \(describe(type))" + found(at: ctx.codingPath, in: root)
        case let .valueNotFound(type, ctx):
            path = ctx.codingPath
            message = "expected \(describe(type)), found nothing"
        case let .keyNotFound(key, ctx):
            path = ctx.codingPath + [key]
            message = "required key is missing"
        case let .dataCorrupted(ctx):
            path = ctx.codingPath
            let d = ctx.debugDescription
            message = d.hasPrefix("Invalid YAML") || d.contains("Expected to decode")
                ? "invalid value" + found(at: ctx.codingPath, in: root) : d
        @unknown default:
            path = []
            message = "\(e)"
        }
        let isUnknownKey = message.hasPrefix(unknownKeyMessage)
        return ConfigError(file: file, keyPath: render(path), line: line(of: path, in: root, keyLine: isUnknownKey),
                           message: message)
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "a string"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : "a mapping of keys"
        }
    }

    static func found(at path: [any CodingKey], in root: Node) -> String {
        guard let node = lookup(path, in: root) else { return "" }
        switch node {
        case .scalar(let s): return ", found '\(s.string)'"
        case .mapping: return ", found a mapping"
        case .sequence: return ", found a list"
        case .alias: return ""
        }
    }

    /// `cameras[0].motion.threshold`
    static func render(_ path: [any CodingKey]) -> String {
        var s = ""
        for k in path {
            if let i = k.intValue { s += "[\(i)]" } else { s += s.isEmpty ? k.stringValue : ".\(k.stringValue)" }
        }
        return s
    }

    static func lookup(_ path: [any CodingKey], in root: Node) -> Node? {
        var node: Node? = root
        for k in path {
            guard let n = node else { return nil }
            if let i = k.intValue, let seq = n.sequence { node = i < seq.count ? seq[i] : nil }
            else { node = n.mapping?[k.stringValue] }
        }
        return node
    }

    /// The line of the deepest node on `path` that exists (the key's own line for the last step).
    static func line(of path: [any CodingKey], in root: Node, keyLine: Bool) -> Int? {
        var node: Node = root
        var best = root.mark?.line
        for k in path {
            if let i = k.intValue, let seq = node.sequence, i < seq.count {
                node = seq[i]
            } else if let map = node.mapping, let pair = map.first(where: { $0.key.string == k.stringValue }) {
                best = pair.key.mark?.line ?? best
                node = pair.value
                continue
            } else {
                return best
            }
            best = node.mark?.line ?? best
        }
        return best
    }
}

/// The config file itself could not be read.
public enum ConfigLoadError: UserFacingError, Equatable {
    case missing(String)
    case unreadable(String)

    public var exitStatus: ExitStatus {
        switch self {
        case .missing: .noInput
        case .unreadable: .config
        }
    }

    public var description: String {
        switch self {
        case .missing(let p): "\(p): no such config file"
        case .unreadable(let p): "\(p): cannot read the config file"
        }
    }
}
