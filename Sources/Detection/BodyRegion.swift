import Foundation
import VigilCore

/// The full-body region of a pose detection, built as MediaPipe's pose graph builds the region it hands to the
/// landmark model (mediapipe/modules/pose_landmark/pose_detection_to_roi.pbtxt): `AlignmentPointsRectsCalculator`
/// with the centre at keypoint `centre` (BlazePose: 0, the mid-hip) and the side twice the distance to keypoint
/// `scalePoint` (1, the full-body scale point: the body lies inside the circle through it around the mid-hip),
/// rotation `90° − atan2(−dy, dx)`; then `RectTransformationCalculator` with `scale` 1.25 and `square_long`.
/// Vigil's box is that square axis-aligned (it holds the circle, so the body, whatever the rotation), clipped to
/// the frame: its bottom lies at the feet, or at the frame's edge when they are out of the picture.
/// scripts/pose_body_reference.py is the Python reference of the same recipe.
///
/// Thread safety: a value type; safe to share.
public struct BodyRegion: Sendable, Equatable {
    public var centre: Int
    public var scalePoint: Int
    public var scale: Float

    public init(centre: Int, scalePoint: Int, scale: Float) {
        self.centre = centre; self.scalePoint = scalePoint; self.scale = scale
    }

    /// MediaPipe's published parameters for the BlazePose detector.
    public static let blazePose = BodyRegion(centre: 0, scalePoint: 1, scale: 1.25)

    /// The region's box (source pixels, clipped to `width`×`height`) and rotation in degrees (−180…180) from
    /// keypoints `x0, y0, x1, y1, …` in source pixels; nil when the keypoints are missing.
    public func box(keypoints k: [Float], width: Int, height: Int) -> (box: Box, rotationDegrees: Float)? {
        guard k.count > 2 * max(centre, scalePoint) + 1 else { return nil }
        let x0 = k[2 * centre], y0 = k[2 * centre + 1], x1 = k[2 * scalePoint], y1 = k[2 * scalePoint + 1]
        let half = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot() * scale
        var rotation = 90 - atan2f(-(y1 - y0), x1 - x0) * 180 / .pi
        rotation = rotation - 360 * ((rotation + 180) / 360).rounded(.down)
        let b = Box(x1: x0 - half, y1: y0 - half, x2: x0 + half, y2: y0 + half)
        return (b.clipped(width: Float(width), height: Float(height)), rotation)
    }
}
