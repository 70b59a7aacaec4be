import Foundation
import HTTPTypes
import Hummingbird
#if canImport(Glibc)
import Glibc
#endif

/// Serves a file the index names — only when its real path (symbolic links and `..` resolved) lies inside one of
/// the allowed folders — with HTTP Range (a single `bytes=` range: what a browser's video element asks for), so a
/// clip can be seeked without downloading it whole. Read in 64 KiB chunks, never whole into memory.
///
/// Thread safety: stateless.
enum FileResponse {
    /// The file's resolved path if it lies inside one of `roots`, else nil.
    static func confined(_ path: String, to roots: [String]) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        let resolved = String(cString: real)
        for root in roots {
            guard let r = realpath(root, nil) else { continue }
            let base = String(cString: r)
            free(r)
            if resolved.hasPrefix(base.hasSuffix("/") ? base : base + "/") { return resolved }
        }
        return nil
    }

    /// The byte range a `Range` header asks for in a file of `size` bytes: nil header → whole file; `.invalid`
    /// when unsatisfiable (416).
    enum RangeRequest: Equatable { case whole, partial(ClosedRange<Int>), invalid }

    static func range(_ header: String?, size: Int) -> RangeRequest {
        guard let header else { return .whole }
        let h = header.trimmingCharacters(in: .whitespaces)
        guard h.hasPrefix("bytes="), !h.contains(",") else { return .whole }  // multiple ranges: whole file (allowed by RFC 9110)
        let spec = h.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard spec.count == 2 else { return .invalid }
        let a = spec[0].trimmingCharacters(in: .whitespaces), b = spec[1].trimmingCharacters(in: .whitespaces)
        if a.isEmpty {  // suffix: the last N bytes
            guard let n = Int(b), n > 0, size > 0 else { return .invalid }
            return .partial(max(0, size - n)...(size - 1))
        }
        guard let start = Int(a), start >= 0, start < size else { return .invalid }
        if b.isEmpty { return .partial(start...(size - 1)) }
        guard let end = Int(b), end >= start else { return .invalid }
        return .partial(start...min(end, size - 1))
    }

    static func respond(path: String, contentType: String, request: Request) -> Response {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return APIServer.error(.notFound, "file gone (retention deleted it?)") }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return APIServer.error(.notFound, "not a file")
        }
        let size = Int(st.st_size)
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.acceptRanges] = "bytes"
        headers[.cacheControl] = "private, max-age=3600"
        let r = range(request.headers[.range], size: size)
        let bytes: ClosedRange<Int>?
        var status = HTTPResponse.Status.ok
        switch r {
        case .invalid:
            close(fd)
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .whole:
            bytes = size > 0 ? 0...(size - 1) : nil
        case .partial(let p):
            bytes = p
            status = .partialContent
            headers[.contentRange] = "bytes \(p.lowerBound)-\(p.upperBound)/\(size)"
        }
        let length = bytes.map { $0.count } ?? 0
        headers[.contentLength] = String(length)
        if request.method == .head {
            close(fd)
            return Response(status: status, headers: headers)
        }
        let owned = FileDescriptorBox(fd)
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: length) { writer in
            defer { owned.close() }
            guard let bytes else { try await writer.finish(nil); return }
            var offset = bytes.lowerBound
            var chunk = [UInt8](repeating: 0, count: 65536)
            while offset <= bytes.upperBound {
                let want = min(chunk.count, bytes.upperBound - offset + 1)
                let n = chunk.withUnsafeMutableBytes { pread(owned.fd, $0.baseAddress, want, off_t(offset)) }
                guard n > 0 else { break }
                try await writer.write(ByteBuffer(bytes: chunk[0..<n]))
                offset += n
            }
            try await writer.finish(nil)
        })
    }
}

/// An open file handed to a response body writer, closed once.
final class FileDescriptorBox: @unchecked Sendable {  // unchecked: `fd` is read by the one body writer and closed once behind a lock
    let fd: Int32
    private let lock = NSLock()
    private var closed = false
    init(_ fd: Int32) { self.fd = fd }
    func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            _ = Glibc.close(fd)
        }
    }
    deinit { close() }
}
