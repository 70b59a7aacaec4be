/// A test server that did not start.
public struct ServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
