import Foundation
import Testing
import TestSupport

/// Test clips of a real face (opencv-doc's face_swapped.jpg, from $VIGIL_OPENCV_DATA) moving over a plain
/// 640×360 background, made with ffmpeg: `scale` is the photo's width, `x` an ffmpeg expression of t (off the
/// picture: -1000), `y` its top.
enum FaceClip {
    static func make(_ path: String, rate: Int, seconds: Int, scale: Int, x: String, y: Int,
                     extra: [String] = []) throws -> String {
        let data = ProcessInfo.processInfo.environment["VIGIL_OPENCV_DATA"]!
        let made = run("/usr/bin/ffmpeg", [
            "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x506070:s=640x360:r=\(rate):d=\(seconds)",
            "-i", data + "/face_swapped.jpg", "-filter_complex", "[1]scale=\(scale):-2[f];[0][f]overlay=x='\(x)':y=\(y)",
            "-c:v", "libx264"] + extra + ["-pix_fmt", "yuv420p", path])
        try #require(made.status == 0, "\(made.stderr)")
        return path
    }
}
