import VigilCore

/// A configuration problem, naming the key path and the line (1-based) where it is.
public struct ConfigError: UserFacingError, Equatable {
    /// The file the config came from (or `<string>`).
    public var file: String
    /// Dotted key path with sequence indices, e.g. `cameras[0].motion.threshold`.
    public var keyPath: String
    /// 1-based line, when known.
    public var line: Int?
    public var message: String

    public init(file: String, keyPath: String, line: Int?, message: String) {
        self.file = file; self.keyPath = keyPath; self.line = line; self.message = message
    }

    public var exitStatus: ExitStatus { .config }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if !keyPath.isEmpty { s += "\(keyPath): " }
        return s + message
    }
}
