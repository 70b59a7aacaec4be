import Foundation

/// A throw-away certificate authority and a server certificate it signed for 127.0.0.1 (subjectAltName
/// IP:127.0.0.1, so a client that checks the host name accepts it), made with the `openssl` command at test time
/// (P-256 keys, valid one day), plus a second CA that signed nothing: the wrong CA for that server.
///
/// Thread safety: immutable after init.
public struct TestCertificates: Sendable {
    public let caFile: String
    public let otherCAFile: String
    public let certFile: String
    public let keyFile: String

    public init(directory: URL) throws {
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        caFile = path("ca.crt")
        otherCAFile = path("other-ca.crt")
        certFile = path("server.crt")
        keyFile = path("server.key")
        let ext = path("server.ext")
        try "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
            .write(toFile: ext, atomically: true, encoding: .utf8)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps: [[String]] = [
            ["req", "-x509"] + key + ["-keyout", path("ca.key"), "-out", caFile, "-days", "1", "-subj", "/CN=Vigil test CA"],
            ["req", "-x509"] + key + ["-keyout", path("other-ca.key"), "-out", otherCAFile, "-days", "1",
                                      "-subj", "/CN=Vigil other test CA"],
            ["req"] + key + ["-keyout", keyFile, "-out", path("server.csr"), "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", path("server.csr"), "-CA", caFile, "-CAkey", path("ca.key"), "-CAcreateserial",
             "-out", certFile, "-days", "1", "-extfile", ext],
        ]
        for args in steps {
            let r = run("/usr/bin/openssl", args)
            guard r.status == 0 else { throw ServerError(message: "openssl \(args.prefix(2).joined(separator: " ")): \(r.stderr)") }
        }
        // mosquitto started as root runs as its own user: the (throw-away) key must be readable by it.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
    }
}
