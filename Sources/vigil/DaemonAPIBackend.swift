import API
import Config
import Foundation
import Media
import Pipeline
import Service
import Synchronization
import VigilCore

/// The API's view of the running daemon: camera states and pictures from its `LiveCamera`s, reload, the
/// redacted config file, the Prometheus text.
///
/// Thread safety: any thread; the daemon's own accessors are thread-safe, the redacted config is behind a Mutex.
final class DaemonAPIBackend: APIBackend {
    let daemon: Daemon
    /// The cameras' pictures as JPEG, encoded once per picture (`vigil_api_jpeg_*` in /metrics).
    let jpegs = SharedJPEG()
    private let redacted = Mutex<JSONValue>(.object([]))

    init(daemon: Daemon) {
        self.daemon = daemon
        refreshConfig()
    }

    /// Re-reads the config file for `GET /api/config` (at start and after each reload that applied).
    func refreshConfig() {
        let json = (try? ConfigLoader.redactedJSON(path: daemon.configPath)) ?? .object([("error", .string("config unreadable"))])
        redacted.withLock { $0 = json }
        jpegs.forgetPictures()
    }

    func cameras() -> [CameraStatus] {
        let config = daemon.runningConfig
        return daemon.cameraStates().map { cam, decode, analysis in
            let cfg = config.camera(named: cam.options.name)
            let size = cam.sourcePictureSize
            return CameraStatus(
                name: cam.options.name, state: CameraStatus.State(rawValue: cam.streamState) ?? .down,
                decodeFPS: decode, analysisFPS: analysis,
                drops: cam.metrics.framesDropped.load(ordering: .relaxed),
                reconnects: cam.metrics.reconnects.load(ordering: .relaxed),
                lastFrameTime: cam.lastFrameWallTime, detectors: cam.options.models, error: cam.lastError,
                zones: (cfg?.zones ?? []).map { ($0.name, $0.polygon.map { [$0.x, $0.y] }) },
                lines: (cfg?.lines ?? []).map { ($0.name, [[$0.from.x, $0.from.y], [$0.to.x, $0.to.y]]) },
                width: size?.width, height: size?.height)
        }
    }

    func latestJPEG(camera: String, annotated: Bool, timeout: Double) async -> LatestPicture? {
        guard let cam = daemon.camera(named: camera) else { return nil }
        let asked = Date().timeIntervalSince1970
        let deadline = asked + timeout
        cam.picture.request()
        var picture: PictureSlot.Picture? = nil
        while true {
            // A picture analysed after the request, or, while the stream is up, the last one when none came in time.
            if let p = cam.picture.latest, p.time >= asked - 1 { picture = p; break }
            if Date().timeIntervalSince1970 >= deadline {
                picture = cam.isUp ? cam.picture.latest : nil
                break
            }
            try? await Task.sleep(nanoseconds: 20_000_000)
            cam.picture.request()
        }
        guard let p = picture else { return nil }
        // One encode per picture, shared by every viewer and latest.jpg request that asks for the same picture.
        let config = annotated ? daemon.runningConfig.camera(named: camera) : nil
        let jpeg = jpegs.jpeg(camera: camera, annotated: config != nil, picture: p.rgb) {
            var rgb = p.rgb
            if let config {
                rgb = PictureSlotDrawing.copy(p.rgb)
                PictureSlotDrawing.draw(zones: config.zones, lines: config.lines, on: rgb, sourceWidth: p.sourceWidth,
                                        sourceHeight: p.sourceHeight)
            }
            return try? SnapshotWriter.encodeJPEG(rgb, quality: 5, input: camera)
        }
        return jpeg.map { LatestPicture(jpeg: $0, time: p.time) }
    }

    func reload() async -> ReloadOutcome {
        let daemon = self.daemon
        // The reload blocks (config load, cameras stopped and started): off the server's threads.
        let r = await withCheckedContinuation { (k: CheckedContinuation<(ok: Bool, message: String), Never>) in
            DispatchQueue.global().async { k.resume(returning: daemon.reload()) }
        }
        return ReloadOutcome(ok: r.ok, message: r.message)
    }

    func redactedConfig() -> JSONValue { redacted.withLock { $0 } }

    func metricsText() -> String {
        var text = PrometheusText()
        let counts = jpegs.counts()
        text.family("vigil_api_jpeg_encodes_total", "counter",
                    help: "Camera pictures encoded as JPEG for latest.jpg and MJPEG (once per picture, shared by every viewer).")
        for c in counts { text.sample("vigil_api_jpeg_encodes_total", [("camera", c.camera)], c.encodes) }
        text.family("vigil_api_jpeg_served_total", "counter", help: "Camera JPEGs handed to latest.jpg requests and MJPEG viewers.")
        for c in counts { text.sample("vigil_api_jpeg_served_total", [("camera", c.camera)], c.served) }
        return daemon.renderMetrics() + text.text
    }
}

/// Zones and lines drawn on a copy of a camera's picture (`latest.jpg?annotate=1`).
enum PictureSlotDrawing {
    static func copy(_ src: PixelBuffer) -> PixelBuffer {
        let out = PixelBuffer(width: src.width, height: src.height, format: src.format)
        out.data.update(from: src.data, count: min(out.byteCount, src.byteCount))
        return out
    }

    static func draw(zones: [ZoneConfig], lines: [LineConfig], on rgb: PixelBuffer, sourceWidth: Int, sourceHeight: Int) {
        let sx = Double(rgb.width) / Double(max(1, sourceWidth)), sy = Double(rgb.height) / Double(max(1, sourceHeight))
        func segment(_ a: PointConfig, _ b: PointConfig, _ color: (UInt8, UInt8, UInt8)) {
            let x0 = a.x * sx, y0 = a.y * sy, x1 = b.x * sx, y1 = b.y * sy
            let steps = Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)) + 1
            for i in 0...steps {
                let t = Double(i) / Double(steps)
                let x = Int((x0 + (x1 - x0) * t).rounded()), y = Int((y0 + (y1 - y0) * t).rounded())
                guard x >= 0, y >= 0, x < rgb.width, y < rgb.height else { continue }
                let row = rgb.row(y)
                row[3 * x] = color.0; row[3 * x + 1] = color.1; row[3 * x + 2] = color.2
            }
        }
        for z in zones where z.polygon.count > 1 {
            for (i, p) in z.polygon.enumerated() { segment(p, z.polygon[(i + 1) % z.polygon.count], (88, 166, 255)) }
        }
        for l in lines { segment(l.from, l.to, (240, 136, 62)) }
    }
}
