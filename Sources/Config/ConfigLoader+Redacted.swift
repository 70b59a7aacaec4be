import Foundation
import VigilCore
import Yams

extension ConfigLoader {
    /// The config file as JSON for people to read (`GET /api/config`): values of keys that name a secret
    /// (`password`, `token`, `secret`, `key`) become `***`, and credentials in URLs `user:***@`. `${ENV}`
    /// references are shown as written, unexpanded.
    public static func redactedJSON(path: String) throws -> JSONValue {
        try redactedJSON(text: try String(contentsOfFile: path, encoding: .utf8))
    }

    public static func redactedJSON(text: String) throws -> JSONValue {
        guard let root = try Yams.compose(yaml: text) else { return .object([]) }
        return redact(root, key: nil)
    }

    static func redact(_ node: Node, key: String?) -> JSONValue {
        switch node {
        case .mapping(let m):
            return .object(m.map { (k, v) in
                let name = k.string ?? "\(k)"
                return (name, redact(v, key: name))
            })
        case .sequence(let s):
            return .array(s.map { redact($0, key: key) })
        case .scalar(let sc):
            let lower = key?.lowercased() ?? ""
            if ["password", "token", "secret"].contains(where: { lower == $0 || lower.hasSuffix("_" + $0) }), !sc.string.isEmpty {
                return .string("***")
            }
            if let i = Int(sc.string) { return .int(i) }
            if let d = Double(sc.string), sc.style == .plain { return .double(d) }
            if sc.style == .plain, ["true", "false"].contains(sc.string) { return .bool(sc.string == "true") }
            if sc.style == .plain, ["null", "~", ""].contains(sc.string) { return .null }
            return .string(URLRedaction.redact(sc.string))
        case .alias:
            return .null
        }
    }
}
