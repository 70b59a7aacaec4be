import Foundation
import Logging
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// swift-log to standard error in a journald-friendly form: one line per message, `<N>` syslog priority prefix
/// when stderr is the journal (systemd sets `JOURNAL_STREAM`), a UTC timestamp otherwise; metadata as
/// `key=value`. Every word that looks like a URL has its password masked (`rtsp://user:***@host/…`), in the
/// message and the metadata, whatever the caller passed.
///
/// Thread safety: any thread; each line goes out in one `write(2)`.
struct JournalLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let label: String
    let journal: Bool

    init(label: String, level: Logger.Level, journal: Bool) {
        self.label = label; self.logLevel = level; self.journal = journal
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = ""
        if journal {
            line = "<\(Self.priority(event.level))>"
        } else {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            line = Timestamp.rfc3339(Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9) + " "
        }
        line += "\(event.level) "
        var all = metadata
        if let m = event.metadata { all.merge(m) { $1 } }
        if let c = all.removeValue(forKey: "camera") { line += "[\(c)] " }
        line += Self.redactWords("\(event.message)")
        for (k, v) in all.sorted(by: { $0.key < $1.key }) { line += " \(k)=\(Self.redactWords("\(v)"))" }
        line += "\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// syslog priorities (sd-daemon.h): debug 7 … critical 2.
    static func priority(_ l: Logger.Level) -> Int {
        switch l {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func redactWords(_ s: String) -> String {
        guard s.contains("://") else { return s }
        return s.split(separator: " ", omittingEmptySubsequences: false)
            .map { URLRedaction.redact(String($0)) }.joined(separator: " ")
    }

    /// Installs the handler; the level comes from `VIGIL_LOG_LEVEL` (trace … critical), default info.
    static func bootstrap() {
        let env = ProcessInfo.processInfo.environment
        let level = env["VIGIL_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        let journal = env["JOURNAL_STREAM"] != nil
        LoggingSystem.bootstrap { label in JournalLogHandler(label: label, level: level, journal: journal) }
    }
}
