/// The name of a camera as the config gives it; it becomes the alert's `camera`.
public struct CameraID: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let name: String
    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { self.name = value }
    public var description: String { name }
    public static func < (a: CameraID, b: CameraID) -> Bool { a.name < b.name }
}
