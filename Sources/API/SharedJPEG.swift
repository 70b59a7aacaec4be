import Synchronization

/// A camera's latest picture encoded once and shared: the first viewer (an MJPEG stream or a `latest.jpg`
/// request) to ask for a new picture encodes it, and every other request for the same picture gets the same
/// bytes, so N viewers cost one encode per picture instead of N. Pictures are told apart by identity (the
/// daemon hands out a new buffer for every picture it keeps); plain and annotated (`annotate=1`) JPEGs are
/// kept apart. Counts encodes and JPEGs handed out per camera, for `/metrics`.
///
/// Thread safety: any thread. Each camera+annotation key has its own lock, held while encoding, so concurrent
/// requests for one new picture wait for the one encode instead of repeating it; other keys are not held up.
public final class SharedJPEG: Sendable {
    /// One key's latest encode.
    private final class Entry: Sendable {
        struct Latest {
            /// The picture encoded (held, so its identity cannot be reused by another buffer meanwhile).
            var picture: (any AnyObject & Sendable)?
            var jpeg: [UInt8] = []
        }
        let latest = Mutex(Latest())
    }

    private struct Counts {
        var encodes = 0
        var served = 0
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let tallies = Mutex<[String: Counts]>([:])

    public init() {}

    /// The JPEG of `picture` (of `camera`, annotated or not): the shared bytes when this picture was encoded
    /// already, else `encode()`'s, which are then kept for the next request. Nil when `encode` fails (nothing
    /// is kept then).
    public func jpeg(camera: String, annotated: Bool, picture: any AnyObject & Sendable,
                     encode: () -> [UInt8]?) -> [UInt8]? {
        let key = annotated ? camera + "\u{0}annotated" : camera
        let entry = entries.withLock { e in
            if let found = e[key] { return found }
            let made = Entry()
            e[key] = made
            return made
        }
        let (bytes, encoded) = entry.latest.withLock { latest -> ([UInt8]?, Bool) in
            if let held = latest.picture, held === picture { return (latest.jpeg, false) }
            guard let fresh = encode() else { return (nil, true) }
            latest = Entry.Latest(picture: picture, jpeg: fresh)
            return (fresh, true)
        }
        tallies.withLock { c in
            if encoded { c[camera, default: Counts()].encodes += 1 }
            if bytes != nil { c[camera, default: Counts()].served += 1 }
        }
        return bytes
    }

    /// Drops every kept JPEG (after a reload: cameras, zones and lines may have changed); the counts stay.
    public func forgetPictures() {
        entries.withLock { $0.removeAll() }
    }

    /// Per camera, sorted by name: pictures encoded and JPEGs handed out (`vigil_api_jpeg_*_total`).
    public func counts() -> [(camera: String, encodes: Int, served: Int)] {
        tallies.withLock { $0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value.encodes, $0.value.served) }
    }
}
