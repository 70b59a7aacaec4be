import VigilCore

/// A constant-velocity Kalman filter on a box's centre, width and height (the state of ByteTrack /
/// BoT-SORT: `cx, cy, w, h` and their velocities per frame), with their noise model: process and
/// measurement standard deviations proportional to the box size (1/20 of it for positions, 1/160 for
/// velocities).
///
/// With a diagonal initial covariance, diagonal process and measurement noise, and each coordinate moving
/// only with its own velocity, the 8×8 covariance stays four independent 2×2 blocks; this filter keeps
/// exactly those blocks (`pp`, `pv`, `vv` per coordinate), which is the full filter without the zeros.
///
/// Thread safety: a value type; no shared state.
struct KalmanBoxFilter: Sendable {
    static let positionWeight: Float = 1.0 / 20
    static let velocityWeight: Float = 1.0 / 160

    /// `cx, cy, w, h`.
    private(set) var position: SIMD4<Float>
    /// Their change per frame.
    private(set) var velocity: SIMD4<Float>
    // Covariance blocks per coordinate: var(position), cov(position, velocity), var(velocity).
    private var pp: SIMD4<Float>
    private var pv: SIMD4<Float>
    private var vv: SIMD4<Float>

    init(box: Box) {
        position = SIMD4(box.centerX, box.centerY, box.width, box.height)
        velocity = .zero
        let s = Self.scale(position)
        let sp = 2 * Self.positionWeight * s
        let sv = 10 * Self.velocityWeight * s
        pp = sp * sp
        pv = .zero
        vv = sv * sv
    }

    /// `w, h, w, h`: the size each coordinate's noise is proportional to.
    @inline(__always)
    private static func scale(_ p: SIMD4<Float>) -> SIMD4<Float> {
        let w = max(p.z, 1), h = max(p.w, 1)
        return SIMD4(w, h, w, h)
    }

    /// Moves the state one frame ahead. `holdSize` stops the size from drifting (ByteTrack zeroes the
    /// height velocity of tracks it is not currently seeing).
    mutating func predict(holdSize: Bool) {
        if holdSize { velocity.z = 0; velocity.w = 0 }
        let s = Self.scale(position)
        let qp = Self.positionWeight * s
        let qv = Self.velocityWeight * s
        position += velocity
        pp = pp + 2 * pv + vv + qp * qp
        pv = pv + vv
        vv = vv + qv * qv
    }

    /// Corrects the state with a measured box.
    mutating func update(_ box: Box) {
        let z = SIMD4(box.centerX, box.centerY, box.width, box.height)
        let rs = Self.positionWeight * Self.scale(position)
        let r = rs * rs
        let s = pp + r
        let k0 = pp / s
        let k1 = pv / s
        let y = z - position
        position += k0 * y
        velocity += k1 * y
        let keep = 1 - k0
        vv = vv - pv * pv / s
        pv = pv * keep
        pp = pp * keep
    }

    /// The state as a box (size kept positive).
    var box: Box {
        let w = max(position.z, 1e-3), h = max(position.w, 1e-3)
        return Box(x1: position.x - w / 2, y1: position.y - h / 2, x2: position.x + w / 2, y2: position.y + h / 2)
    }
}
