import Foundation
import HTTPTypes
import Hummingbird

/// Requires the API token (`Authorization: Bearer TOKEN`, or the `vigil_token` cookie the page sets) on every
/// request but the page's static files and, unless configured otherwise, `/metrics`. The comparison takes the
/// same time whatever the first wrong byte is.
///
/// Thread safety: immutable.
struct TokenCheck<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]
    let metricsRequireToken: Bool

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !token.isEmpty, needsToken(request.uri.path) else { return try await next(request, context) }
        if let offered = TokenCheck.offered(request), TokenCheck.constantTimeEqual(Array(offered.utf8), token) {
            return try await next(request, context)
        }
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer realm=\"vigil\""
        headers[.contentType] = "application/json"
        return Response(status: .unauthorized, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"token required\"}")))
    }

    private func needsToken(_ path: String) -> Bool {
        if path == "/metrics" { return metricsRequireToken }
        return path.hasPrefix("/api/") && path != "/api/openapi.yaml"
    }

    /// The bearer token of the Authorization header, else the `vigil_token` cookie.
    static func offered(_ request: Request) -> String? {
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            return String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        for cookie in request.headers[values: .cookie] {
            for part in cookie.split(separator: ";") {
                let kv = part.trimmingCharacters(in: .whitespaces)
                if kv.hasPrefix("vigil_token=") { return String(kv.dropFirst("vigil_token=".count)) }
            }
        }
        return nil
    }

    /// Compares every byte of the longer input, whatever differs first.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count) | UInt8(truncatingIfNeeded: (a.count ^ b.count) >> 8)
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            diff |= x ^ y
        }
        return diff == 0 && a.count == b.count
    }
}
