import Foundation
import HTTPTypes
import Hummingbird
import VigilCore

extension APIServer {
    func addRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/metrics") { _, _ -> Response in
            self.count()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: self.metricsText())))
        }
        guard !options.metricsOnly else { return }
        WebAssets.shared.addRoutes(router)
        router.get("/api/cameras") { _, _ -> Response in
            self.count()
            return APIServer.json(.object([("cameras", .array(self.backend.cameras().map(\.json)))]))
        }
        router.get("/api/cameras/:name/latest.jpg") { request, context -> Response in
            self.count()
            let name = context.parameters.get("name") ?? ""
            guard self.backend.cameras().contains(where: { $0.name == name }) else {
                return APIServer.error(.notFound, "no camera '\(name)'")
            }
            let annotate = request.uri.queryParameters.get("annotate").map { $0 == "1" || $0 == "true" } ?? false
            guard let picture = await self.backend.latestJPEG(camera: name, annotated: annotate, timeout: 2) else {
                return APIServer.error(.serviceUnavailable, "no picture from '\(name)' yet (stream down?)")
            }
            var headers = HTTPFields()
            headers[.contentType] = "image/jpeg"
            headers[.cacheControl] = "no-store"
            headers[HTTPField.Name("X-Frame-Time")!] = Timestamp.rfc3339(picture.time)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: picture.jpeg)))
        }
        router.get("/api/cameras/:name/mjpeg") { request, context -> Response in
            self.count()
            return self.mjpeg(context.parameters.get("name") ?? "", annotate: request.uri.queryParameters.get("annotate") == "1")
        }
        router.get("/api/events") { request, _ -> Response in
            self.count()
            return self.listEvents(request)
        }
        router.get("/api/events/stream") { request, _ -> Response in
            self.count()
            return self.eventStream(request)
        }
        router.get("/api/events/:id") { _, context -> Response in
            self.count()
            guard let (_, e) = self.indexedEvent(context) else { return APIServer.error(.notFound, "no such event") }
            return APIServer.json(EventJSON.object(id: e.id, line: e.line))
        }
        router.get("/api/events/:id/snapshot.jpg") { request, context -> Response in
            self.count()
            return self.eventFile(context, request, \.snapshot, roots: self.options.snapshotDirectories, type: "image/jpeg")
        }
        router.get("/api/events/:id/clip.mp4") { request, context -> Response in
            self.count()
            return self.eventFile(context, request, \.clip, roots: self.options.clipDirectories, type: "video/mp4")
        }
        router.head("/api/events/:id/clip.mp4") { request, context -> Response in
            self.count()
            return self.eventFile(context, request, \.clip, roots: self.options.clipDirectories, type: "video/mp4")
        }
        router.post("/api/reload") { _, _ -> Response in
            self.count()
            let r = await self.backend.reload()
            return APIServer.json(.object([("ok", .bool(r.ok)), ("message", .string(r.message))]),
                                  status: r.ok ? .ok : .unprocessableContent)
        }
        router.get("/api/config") { _, _ -> Response in
            self.count()
            return APIServer.json(self.backend.redactedConfig())
        }
    }

    func count() { requests.wrappingAdd(1, ordering: .relaxed) }

    /// The indexed event the `:id` parameter names.
    func indexedEvent(_ context: BasicRequestContext) -> (Int64, EventIndex.Event)? {
        guard let index, let text = context.parameters.get("id"), let id = Int64(text),
              let e = try? index.event(id: id) else { return nil }
        return (id, e)
    }

    func eventFile(_ context: BasicRequestContext, _ request: Request, _ key: KeyPath<EventIndex.Event, String?>,
                   roots: [String], type: String) -> Response {
        guard let (_, e) = indexedEvent(context) else { return APIServer.error(.notFound, "no such event") }
        guard let path = e[keyPath: key] else { return APIServer.error(.notFound, "the event has no such file") }
        guard let real = FileResponse.confined(path, to: roots) else {
            logger.warning("refused to serve \(path): not inside \(roots.joined(separator: ", ")) or missing")
            return APIServer.error(.notFound, "file not available")
        }
        return FileResponse.respond(path: real, contentType: type, request: request)
    }

    /// `GET /api/events`: newest first, filtered, paged with `before` (the previous page's `next_before`).
    func listEvents(_ request: Request) -> Response {
        guard let index else { return APIServer.error(.serviceUnavailable, "no event index (alerts go to standard output)") }
        let q: EventQuery
        switch EventQuery.parse(request.uri.queryParameters) {
        case .failure(let e): return APIServer.error(.badRequest, e.description)
        case .success(let v): q = v
        }
        do {
            let events = try index.events(q)
            var body = "{\"events\":["
            body += events.map { EventJSON.object(id: $0.id, line: $0.line) }.joined(separator: ",")
            body += "],\"next_before\":"
            if events.count == q.limit, let last = events.last {
                body += "\"" + EventQuery.Cursor(tsMillis: last.tsMillis, id: last.id).text + "\"}"
            } else {
                body += "null}"
            }
            return APIServer.json(body)
        } catch {
            logger.error("event index: \(error)")
            return APIServer.error(.internalServerError, "event index failed")
        }
    }
}

/// A query parameter the API could not use.
struct QueryError: Error, CustomStringConvertible { var description: String }

extension EventQuery {
    /// From `limit` (1…1000, default 50), `before`, `camera`, `event`, `label`, `min_severity`, `since`
    /// (a duration back from now — `90s`, `15m`, `6h`, `7d` — or an RFC 3339 time).
    static func parse(_ p: Hummingbird.Parameters, now: Double = Date().timeIntervalSince1970) -> Result<EventQuery, QueryError> {
        var q = EventQuery()
        if let l = p.get("limit") {
            guard let n = Int(l), (1...1000).contains(n) else { return .failure(.init(description: "limit must be 1…1000")) }
            q.limit = n
        }
        if let b = p.get("before") {
            guard let c = Cursor(b) else { return .failure(.init(description: "before must be a next_before value")) }
            q.before = c
        }
        q.camera = p.get("camera").flatMap { $0.isEmpty ? nil : $0 }
        q.event = p.get("event").flatMap { $0.isEmpty ? nil : $0 }
        q.label = p.get("label").flatMap { $0.isEmpty ? nil : $0 }
        if let s = p.get("min_severity"), !s.isEmpty {
            guard let sev = Severity(rawValue: s) else { return .failure(.init(description: "min_severity must be info, warning or critical")) }
            q.minSeverity = sev
        }
        if let s = p.get("since"), !s.isEmpty {
            guard let t = EventQuery.since(s, now: now) else {
                return .failure(.init(description: "since must be a duration (90s, 15m, 6h, 7d) or an RFC 3339 time"))
            }
            q.sinceMillis = Int64((t * 1000).rounded())
        }
        return .success(q)
    }

    static func since(_ s: String, now: Double) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let u = s.last, let mult = units[u], let n = Double(s.dropLast()), n >= 0, n.isFinite { return now - n * mult }
        return Timestamp.parse(s)
    }
}
