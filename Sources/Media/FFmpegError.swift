import CFFmpeg
import VigilCore

/// A failed FFmpeg call: which operation, on what, and FFmpeg's own reason (`av_strerror`).
public struct FFmpegError: UserFacingError, Equatable {
    /// FFmpeg's negative error code (AVERROR(...)), or 0 for errors Vigil itself detected.
    public var code: Int32
    /// What Vigil was doing (`open`, `find stream info`, `decode` …).
    public var operation: String
    /// The file or URL, with any password masked.
    public var input: String
    /// FFmpeg's reason, or Vigil's.
    public var reason: String

    public init(code: Int32, operation: String, input: String, reason: String? = nil) {
        self.code = code
        self.operation = operation
        self.input = URLRedaction.redact(input)
        self.reason = reason ?? FFmpegError.message(for: code)
    }

    /// Bad or unsupported data gets 65; a missing input 66; anything else (network, memory) 1.
    public var exitStatus: ExitStatus {
        if code == vigil_averror(ENOENT) { return .noInput }
        if code == vigil_averror(EIO) || code == vigil_averror(ETIMEDOUT) || code == vigil_averror(ECONNREFUSED)
            || code == vigil_averror(ENOMEM) || code == vigil_averror_exit() {
            return .failure
        }
        return .dataError
    }

    public var description: String { "\(input): cannot \(operation): \(reason)" }

    /// `av_strerror`'s text for `code`.
    public static func message(for code: Int32) -> String {
        var buf = [CChar](repeating: 0, count: 256)
        return buf.withUnsafeMutableBufferPointer { b in
            String(cString: vigil_strerror(code, b.baseAddress, b.count))
        }
    }
}

/// What an FFmpeg call that may legitimately have nothing to give returned.
enum AVStatus {
    case ok
    case again
    case endOfFile
}

/// The one place where FFmpeg return codes become Swift: negative codes throw, except EAGAIN and EOF, which
/// are ordinary results of decode loops and come back as values.
func avCheck(_ code: Int32, _ operation: @autoclosure () -> String, input: @autoclosure () -> String) throws
    -> AVStatus {
    if code >= 0 { return .ok }
    if code == vigil_averror_eagain() { return .again }
    if code == vigil_averror_eof() { return .endOfFile }
    throw FFmpegError(code: code, operation: operation(), input: input())
}
