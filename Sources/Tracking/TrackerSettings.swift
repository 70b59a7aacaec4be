/// Which tracker follows a camera's detections and with which thresholds (`track:` in the config, `vigil track`'s
/// options). Unset thresholds take the chosen tracker's defaults. The one place trackers are made (`makeTracker`).
///
/// Thread safety: a plain value.
public struct TrackerSettings: Sendable, Equatable {
    public typealias Kind = TrackerKind

    /// `iou` or `byte`. Default `byte` (better identities: see docs/tracking.md).
    public var kind: TrackerKind = .byte
    /// Lowest detection score used at all (iou: σ_l; byte: the low-score threshold). 0…1.
    public var minScore: Float? = nil
    /// iou: best score a track needs (σ_h); byte: the high-score threshold. 0…1.
    public var highScore: Float? = nil
    /// Minimum IoU to extend a track (iou: σ_IoU; byte: the first stage). 0…1.
    public var matchIoU: Float? = nil
    /// Hits before a track is confirmed (t_min). 1…1000.
    public var minHits: Int? = nil
    /// Frames a confirmed track may miss before it ends. 0…10000.
    public var maxAge: Int? = nil
    /// byte only: lowest score that starts a new track.
    public var newTrackScore: Float? = nil
    /// byte only: minimum IoU of the second (low-score) stage.
    public var lowMatchIoU: Float? = nil
    /// byte only: minimum IoU to extend a tentative track.
    public var tentativeMatchIoU: Float? = nil
    /// byte only: centre-distance stage for tracks the IoU stages left unmatched, in box heights (0: off).
    public var matchDistance: Float? = nil
    /// Seconds (media time) after which a track no detection matched ends, also while its area is not searched
    /// (`track.max_unseen_s`). Default `defaultMaxUnseenSeconds`; `.infinity`: no bound.
    public var maxUnseenSeconds: Double = TrackerSettings.defaultMaxUnseenSeconds

    /// 15 s: three full-frame passes at the default `detect.full_frame_s` of 5 s, so a still object that only
    /// those passes look at keeps its track when the detector misses it in two passes in a row.
    public static let defaultMaxUnseenSeconds = 15.0

    public init() {}

    /// The tracker these settings select.
    public func makeTracker() -> any Tracker {
        switch kind {
        case .iou: return IOUTracker(configuration: iouConfiguration)
        case .byte: return ByteTracker(configuration: byteConfiguration)
        }
    }

    /// The IoU tracker's configuration (unset values at its defaults).
    public var iouConfiguration: IOUTracker.Configuration {
        let d = IOUTracker.Configuration()
        return .init(sigmaL: minScore ?? d.sigmaL, sigmaH: highScore ?? d.sigmaH, sigmaIOU: matchIoU ?? d.sigmaIOU,
                     tMin: minHits ?? d.tMin, maxAge: maxAge ?? d.maxAge, maxUnseenSeconds: maxUnseenSeconds)
    }

    /// ByteTrack's configuration (unset values at its defaults).
    public var byteConfiguration: ByteTracker.Configuration {
        let d = ByteTracker.Configuration()
        return .init(highThreshold: highScore ?? d.highThreshold, lowThreshold: minScore ?? d.lowThreshold,
                     newTrackThreshold: newTrackScore ?? d.newTrackThreshold, matchIOU: matchIoU ?? d.matchIOU,
                     lowMatchIOU: lowMatchIoU ?? d.lowMatchIOU, tentativeMatchIOU: tentativeMatchIoU ?? d.tentativeMatchIOU,
                     tMin: minHits ?? d.tMin, maxAge: maxAge ?? d.maxAge, matchDistance: matchDistance ?? d.matchDistance,
                     maxUnseenSeconds: maxUnseenSeconds)
    }
}
