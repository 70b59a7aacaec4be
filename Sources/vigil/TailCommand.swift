import ArgumentParser
import CommandSupport
import Config
import Foundation
import Sinks
import VigilCore

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print alerts from the alert log, one readable line each; follow it across rotation with -f.",
        discussion: """
            Without --since, prints the alerts of the current log file; with --since, reads back through the \
            rotated files (FILE.N … FILE.1, FILE) too. -f keeps following like tail -F: across rotation (a new \
            file at the path) and truncation, never printing a line before it is complete. Lines that are not \
            alerts are skipped and counted on stderr.
            Exit status: 0 done; 64 usage; 66 no such file (without -f).
            """
    )

    @Argument(help: "The alert log (default: the config's alerts.path, else /var/log/vigil/alerts.jsonl).")
    var file: String?

    @Flag(name: .customShort("f"), help: "Follow: keep printing alerts as they are appended, across rotation.")
    var follow = false

    @Option(help: "Only this camera (repeat or comma-separate for several).")
    var camera: [String] = []

    @Option(help: "Only this event, e.g. tamper, zone_enter (repeat or comma-separate for several).")
    var event: [String] = []

    @Option(name: .customLong("min-severity"), help: "Only alerts at least this severe: info, warning, critical.")
    var minSeverity: String = "info"

    @Option(help: "Only alerts from the last DURATION (90s, 10m, 2h, 1d, 1h30m) or since an RFC 3339 time.")
    var since: String?

    @Flag(help: "Print the alerts' JSON lines as they are in the log.")
    var json = false

    @Option(help: "YAML config whose alerts.path is the default FILE.")
    var config: String?

    @Option(help: "Follow alerts from an MQTT broker instead of a file: mqtt://host:port/PREFIX (or mqtts://); user and password from VIGIL_MQTT_USER and VIGIL_MQTT_PASSWORD.")
    var mqtt: String?

    @Option(name: .customLong("poll-interval"), help: "Seconds between checks for new lines with -f (0.01…10).")
    var pollInterval: Double = 0.1

    func run() throws {
        try reportingErrors {
            var filter = AlertFilter()
            filter.cameras = Set(camera.flatMap { $0.split(separator: ",").map(String.init) })
            filter.events = Set(event.flatMap { $0.split(separator: ",").map(String.init) })
            guard let s = Severity(rawValue: minSeverity) else {
                throw UsageError(message: "--min-severity '\(minSeverity)' is not one of info, warning, critical")
            }
            filter.minSeverity = s
            if let since {
                if let d = AlertFilter.duration(since) {
                    filter.since = Date().timeIntervalSince1970 - d
                } else if let t = Timestamp.parse(since) {
                    filter.since = t
                } else {
                    throw UsageError(message: "--since '\(since)' is neither a duration (10m, 2h, 1d) nor an RFC 3339 time")
                }
            }
            guard (0.01...10).contains(pollInterval) else { throw UsageError(message: "--poll-interval must be 0.01…10") }
            if let mqtt {
                guard file == nil else { throw UsageError(message: "--mqtt and a FILE: choose one") }
                try followMQTT(mqtt, output: TailOutput(json: json, filter: filter))
            }
            let path: String
            if let file {
                path = file
            } else if let config {
                path = try ConfigLoader.load(path: config).alerts.path
            } else {
                path = AlertsConfig().path
            }
            guard path != "-" else { throw UsageError(message: "the alert log is standard output ('-'): nothing to read") }
            var st = stat()
            let exists = stat(path, &st) == 0
            if !exists && !follow { throw MissingInput(path: path) }
            if exists && (st.st_mode & S_IFMT) == S_IFDIR { throw UsageError(message: "\(path) is a directory") }
            if exists {
                let probe = open(path, O_RDONLY | O_CLOEXEC)
                guard probe >= 0 else { throw UnreadableInput(path: path, reason: String(cString: strerror(errno))) }
                close(probe)
            }

            var out = TailOutput(json: json, filter: filter)
            if filter.since != nil {  // back through the rotated files, oldest first
                for name in RotatedLogs.files(of: path) where name != path {
                    let d = open(name, O_RDONLY | O_CLOEXEC)
                    guard d >= 0 else { continue }
                    var r = LineReader()
                    r.drain(d) { out.handle($0) }
                    close(d)
                }
            }
            if !exists { Console.err("vigil: waiting for \(path) to appear") }
            let follower = LogFollower(path: path)
            follower.poll { out.handle($0) }
            if follow {
                unblockStopSignals()
                while true {
                    usleep(useconds_t(pollInterval * 1_000_000))
                    follower.poll { out.handle($0) }
                }
            }
            if out.skipped > 0 {
                Console.err("vigil: \(path): skipped \(out.skipped) lines that are not alerts (the first: \(out.firstSkipReason ?? "?"))")
            }
        }
    }
}

/// For a tail that runs until a signal ends it: the usual signals neither ignored nor blocked (a parent may have
/// blocked them, and a blocked mask is inherited across exec).
func unblockStopSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    for s in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { signal(s, SIG_DFL); sigaddset(&set, s) }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// Filters, formats and writes alert lines, each whole with one `write(2)`.
///
/// Thread safety: a value used by the command's thread only.
struct TailOutput {
    var json: Bool
    var filter: AlertFilter
    var skipped = 0
    /// Why the first skipped line is not an alert (printed with the count).
    var firstSkipReason: String?

    mutating func handle(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        let alert: Alert
        do {
            alert = try AlertDecoder.decode(bytes)
        } catch {
            skipped += 1
            if firstSkipReason == nil { firstSkipReason = error.description }
            return
        }
        guard filter.accepts(alert) else { return }
        var line = json ? bytes : Array(AlertFormatter.line(alert).utf8)
        line.append(0x0A)
        line.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(1, buf.baseAddress! + off, buf.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { exit(0) }  // the reader went away (a closed pipe): done
                off += n
            }
        }
    }
}

/// An input file that exists but cannot be read (exit 66, as sysexits.h's EX_NOINPUT).
struct UnreadableInput: UserFacingError {
    var path: String
    var reason: String
    var exitStatus: ExitStatus { .noInput }
    var description: String { "\(path): cannot read: \(reason)" }
}
