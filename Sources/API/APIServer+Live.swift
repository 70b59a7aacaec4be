import Foundation
import HTTPTypes
import Hummingbird
import VigilCore

extension APIServer {
    /// `GET /api/events/stream`: server-sent events, one `alert` event per indexed alert (`id:` is the event id,
    /// `data:` its JSON), optionally filtered by `camera`, `event`, `label`, `min_severity`. A client that
    /// reconnects with `Last-Event-ID` first gets what it missed from the index (at most 1000 events). A comment
    /// line every 15 s keeps proxies from closing it and notices a client that left.
    func eventStream(_ request: Request) -> Response {
        guard let index else { return APIServer.error(.serviceUnavailable, "no event index (alerts go to standard output)") }
        var filter: EventQuery
        switch EventQuery.parse(request.uri.queryParameters) {
        case .failure(let e): return APIServer.error(.badRequest, e.description)
        case .success(let v): filter = v
        }
        filter.limit = 1000
        filter.before = nil
        filter.sinceMillis = nil
        let stream = hub.subscribe()  // before reading the backlog: nothing falls between the two
        let lastID = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int64($0) }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let f = filter
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
            var sent = lastID ?? 0
            if let lastID {
                let missed = (try? index.events(since: lastID, f)) ?? []
                for e in missed {
                    try await writer.write(ByteBuffer(string: APIServer.sse(e.id, EventJSON.object(id: e.id, line: e.line))))
                    sent = max(sent, e.id)
                }
            }
            for await item in stream {
                if item.id == 0 {
                    try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                    continue
                }
                guard item.id > sent, item.matches(f) else { continue }
                try await writer.write(ByteBuffer(string: APIServer.sse(item.id, item.json)))
            }
            try await writer.finish(nil)
        })
    }

    static func sse(_ id: Int64, _ json: String) -> String { "id: \(id)\nevent: alert\ndata: \(json)\n\n" }

    /// `GET /api/cameras/{name}/mjpeg`: the latest picture as multipart JPEG, at most `mjpeg_max_fps`, for at
    /// most `mjpeg_max_viewers` viewers per camera (503 beyond).
    func mjpeg(_ name: String, annotate: Bool) -> Response {
        guard backend.cameras().contains(where: { $0.name == name }) else { return APIServer.error(.notFound, "no camera '\(name)'") }
        let max = options.mjpegMaxViewers
        let admitted = viewers.withLock { v -> Bool in
            guard v[name, default: 0] < max else { return false }
            v[name, default: 0] += 1
            return true
        }
        guard admitted else {
            mjpegRefused.wrappingAdd(1, ordering: .relaxed)
            return APIServer.error(.serviceUnavailable, "\(max) viewers watch '\(name)' already (api.mjpeg_max_viewers)")
        }
        let boundary = "vigilframe"
        var headers = HTTPFields()
        headers[.contentType] = "multipart/x-mixed-replace; boundary=\(boundary)"
        headers[.cacheControl] = "no-store"
        let period = 1 / options.mjpegMaxFPS
        let backend = self.backend
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { self.viewers.withLock { $0[name, default: 1] -= 1 } }
            var lastTime = -1.0
            while !Task.isCancelled, !self.closing.load(ordering: .relaxed) {
                let started = MonotonicClock.nanoseconds()
                if let p = await backend.latestJPEG(camera: name, annotated: annotate, timeout: 2), p.time != lastTime {
                    lastTime = p.time
                    var part = ByteBuffer(string: "--\(boundary)\r\nContent-Type: image/jpeg\r\nContent-Length: \(p.jpeg.count)\r\n\r\n")
                    part.writeBytes(p.jpeg)
                    part.writeString("\r\n")
                    try await writer.write(part)
                }
                let left = period - MonotonicClock.seconds(since: started)
                if left > 0 { try await Task.sleep(nanoseconds: UInt64(left * 1e9)) }
            }
            try await writer.finish(nil)
        })
    }
}

extension EventHub.Item {
    func matches(_ q: EventQuery) -> Bool {
        if let c = q.camera, c != camera { return false }
        if let e = q.event, e != event { return false }
        if let l = q.label, l != label { return false }
        if let s = q.minSeverity, severity < s.rank { return false }
        return true
    }
}
