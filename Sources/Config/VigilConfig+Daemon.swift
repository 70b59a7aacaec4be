/// Checks that only matter for `vigil run` (and `vigil check`): a replay needs no cameras.
extension VigilConfig {
    public func validateForDaemon(file: String) throws {
        if cameras.isEmpty {
            throw ConfigError(file: file, keyPath: "cameras", line: nil,
                              message: "no cameras: add at least one entry with a name and a url")
        }
    }
}
