import CFFmpeg
import Foundation
import VigilCore

/// Writes an RGB24 frame as a JPEG file with libavcodec's MJPEG encoder (annotated frames for people to look at).
/// The encoding is `SnapshotWriter.encodeJPEG`'s; this only adds the file.
///
/// Thread safety: stateless; each call owns its codec context.
public enum ImageWriter {
    public static func writeJPEG(_ rgb: PixelBuffer, to path: String, quality: Int32 = 3) throws {
        precondition(rgb.format == .rgb24)
        let bytes = try SnapshotWriter.encodeJPEG(rgb, quality: Int(quality), input: path)
        do { try Data(bytes).write(to: URL(fileURLWithPath: path)) } catch {
            throw FFmpegError(code: vigil_averror(EIO), operation: "write", input: path, reason: "\(error)")
        }
    }
}
