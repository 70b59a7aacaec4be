import CFFmpeg
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// Snapshots for alerts about objects: the picture with the object's box and label drawn on it, encoded as
/// JPEG by libavcodec's mjpeg encoder, written under a directory (to a temporary name, then renamed, so a
/// reader never sees half a file), with retention by count and by age.
///
/// Thread safety: not thread-safe; one sink thread owns a writer.
public final class SnapshotWriter {
    public let directory: String
    /// Keep at most this many snapshots (0: no limit by count).
    public let retainCount: Int
    /// Delete snapshots older than this many seconds (0: no limit by age).
    public let retainSeconds: Double
    /// mjpeg quantiser, 2 (best) … 31.
    public let quality: Int
    public private(set) var written = 0
    public private(set) var deleted = 0

    public init(directory: String, retainCount: Int = 1000, retainSeconds: Double = 7 * 86_400, quality: Int = 4) throws {
        self.directory = directory
        self.retainCount = retainCount
        self.retainSeconds = retainSeconds
        self.quality = min(31, max(2, quality))
        var st = stat()
        if stat(directory, &st) != 0 {
            guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
                throw FFmpegError(code: vigil_averror(errno), operation: "create the snapshot directory", input: directory)
            }
        } else if (st.st_mode & S_IFMT) != S_IFDIR {
            throw FFmpegError(code: vigil_averror(ENOTDIR), operation: "use the snapshot directory", input: directory)
        }
    }

    /// Draws `box` (in `picture` pixels) and `label` on a copy of `picture` (grey or RGB), writes it as
    /// `NAME.jpg` and applies the retention. Returns the file's path.
    @discardableResult
    public func write(_ picture: PixelBuffer, box: Box?, label: String?, name: String, now: Double) throws -> String {
        let rgb = PixelBuffer(width: picture.width, height: picture.height, format: .rgb24)
        for y in 0..<picture.height {
            let src = picture.data + y * picture.stride, dst = rgb.data + y * rgb.stride
            if picture.format == .rgb24 {
                dst.update(from: src, count: picture.width * 3)
            } else {
                for x in 0..<picture.width { dst[3 * x] = src[x]; dst[3 * x + 1] = src[x]; dst[3 * x + 2] = src[x] }
            }
        }
        if let box { SnapshotWriter.draw(box: box, label: label, on: rgb) }
        let data = try SnapshotWriter.encodeJPEG(rgb, quality: quality, input: name)
        let safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
        let path = "\(directory)/\(safe).jpg"
        let tmp = "\(directory)/.\(safe).jpg.tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FFmpegError(code: vigil_averror(errno), operation: "write a snapshot", input: tmp) }
        var ok = true
        data.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { ok = false; return }
                off += n
            }
        }
        let err = errno
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw FFmpegError(code: vigil_averror(ok ? errno : err), operation: "write a snapshot", input: path)
        }
        written += 1
        retain(now: now)
        return path
    }

    /// Deletes the oldest snapshots past `retainCount` and those older than `retainSeconds` (by mtime).
    public func retain(now: Double) {
        guard let dir = opendir(directory) else { return }
        var files: [(String, Double)] = []
        while let e = readdir(dir) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard name.hasSuffix(".jpg"), !name.hasPrefix(".") else { continue }
            var st = stat()
            let p = "\(directory)/\(name)"
            guard stat(p, &st) == 0 else { continue }
            files.append((p, Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9))
        }
        closedir(dir)
        files.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 > $1.0 }  // newest first
        for (i, f) in files.enumerated() {
            let tooMany = retainCount > 0 && i >= retainCount
            let tooOld = retainSeconds > 0 && now - f.1 > retainSeconds
            if tooMany || tooOld, unlink(f.0) == 0 { deleted += 1 }
        }
    }

    /// A 2-pixel box in a bright colour and the label on a filled strip above it (below when at the top).
    static func draw(box: Box, label: String?, on img: PixelBuffer) {
        let w = img.width, h = img.height
        let color: (UInt8, UInt8, UInt8) = (255, 64, 32)
        func put(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
            guard x >= 0, y >= 0, x < w, y < h else { return }
            let p = img.data + y * img.stride + 3 * x
            p[0] = c.0; p[1] = c.1; p[2] = c.2
        }
        let b = box.clipped(width: Float(w - 1), height: Float(h - 1))
        let x1 = Int(b.x1), y1 = Int(b.y1), x2 = Int(b.x2), y2 = Int(b.y2)
        for t in 0..<2 {
            for x in x1...max(x1, x2) { put(x, y1 + t, color); put(x, y2 - t, color) }
            for y in y1...max(y1, y2) { put(x1 + t, y, color); put(x2 - t, y, color) }
        }
        guard let label, !label.isEmpty else { return }
        let scale = max(1, h / 240)
        let (tw, th) = BitmapFont.size(label, scale: scale)
        let pad = scale
        var top = y1 - th - 2 * pad
        if top < 0 { top = min(h - th - 2 * pad, y2 + 1) }
        for y in top..<(top + th + 2 * pad) { for x in x1..<(x1 + tw + 2 * pad) { put(x, y, color) } }
        var cx = x1 + pad
        for ch in label {
            for (col, bits) in BitmapFont.columns(ch).enumerated() {
                for row in 0..<BitmapFont.height where bits & (1 << row) != 0 {
                    for sy in 0..<scale { for sx in 0..<scale {
                        put(cx + col * scale + sx, top + pad + row * scale + sy, (255, 255, 255))
                    } }
                }
            }
            cx += (BitmapFont.width + 1) * scale
        }
    }

    /// JPEG bytes of an RGB picture, from libavcodec's mjpeg encoder (full-range YUV 4:2:0).
    public static func encodeJPEG(_ rgb: PixelBuffer, quality: Int, input: String) throws -> [UInt8] {
        let w = rgb.width & ~1, h = rgb.height & ~1
        guard w >= 2, h >= 2 else {
            throw FFmpegError(code: vigil_averror(EINVAL), operation: "encode a snapshot", input: input, reason: "picture too small")
        }
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw FFmpegError(code: vigil_averror(ENOSYS), operation: "find the mjpeg encoder", input: input)
        }
        var ctx = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&ctx) }
        guard let c = ctx else { throw FFmpegError(code: vigil_averror(ENOMEM), operation: "allocate an encoder", input: input) }
        c.pointee.width = Int32(w)
        c.pointee.height = Int32(h)
        c.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        c.pointee.time_base = AVRational(num: 1, den: 25)
        c.pointee.flags |= Int32(AV_CODEC_FLAG_QSCALE)
        c.pointee.global_quality = Int32(quality) * Int32(FF_QP2LAMBDA)
        _ = try avCheck(avcodec_open2(c, codec, nil), "open the mjpeg encoder", input: input)
        var frame = av_frame_alloc()
        defer { av_frame_free(&frame) }
        guard let f = frame else { throw FFmpegError(code: vigil_averror(ENOMEM), operation: "allocate a frame", input: input) }
        f.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        f.pointee.width = Int32(w)
        f.pointee.height = Int32(h)
        _ = try avCheck(av_frame_get_buffer(f, 0), "allocate a frame", input: input)
        f.pointee.quality = c.pointee.global_quality
        f.pointee.pts = 0
        let sws = sws_getContext(Int32(w), Int32(h), AV_PIX_FMT_RGB24, Int32(w), Int32(h), AV_PIX_FMT_YUVJ420P,
                                 SWS_BILINEAR, nil, nil, nil)
        guard let sws else { throw FFmpegError(code: vigil_averror(EINVAL), operation: "convert a snapshot", input: input) }
        defer { sws_freeContext(sws) }
        let rc = vigil_sws_scale_into_frame(sws, rgb.data, Int32(rgb.stride), Int32(h), f)
        if rc < 0 { _ = try avCheck(rc, "convert a snapshot", input: input) }
        _ = try avCheck(avcodec_send_frame(c, f), "encode a snapshot", input: input)
        _ = try avCheck(avcodec_send_frame(c, nil), "encode a snapshot", input: input)
        var pkt = av_packet_alloc()
        defer { av_packet_free(&pkt) }
        guard let p = pkt else { throw FFmpegError(code: vigil_averror(ENOMEM), operation: "allocate a packet", input: input) }
        guard try avCheck(avcodec_receive_packet(c, p), "encode a snapshot", input: input) == .ok else {
            throw FFmpegError(code: vigil_averror_eof(), operation: "encode a snapshot", input: input,
                              reason: "the encoder gave no picture")
        }
        return Array(UnsafeBufferPointer(start: p.pointee.data, count: Int(p.pointee.size)))
    }
}
