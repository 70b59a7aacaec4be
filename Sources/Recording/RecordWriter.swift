import Foundation
import Media

/// A camera's writer thread: takes open/packet/close commands from a bounded queue and muxes them into
/// fragmented MP4 files (`MP4Writer`), so that file I/O never runs on the ingest or analysis threads. After each
/// closed file (fsynced) it applies retention to the camera's folder.
///
/// A full disk (ENOSPC/EDQUOT on a write, or less than `min_free_bytes` free when a file opens) stops recording:
/// the open files are closed where they are (they play up to their last fragment), later packets are counted in
/// `diskFullDrops`, one log line says so. At each later key frame the free space is checked again; once there is
/// room, recording resumes (one log line): a file that had data goes on in `NAME-2.mp4`, `NAME-3.mp4`, …, one that
/// never started gets its own name.
///
/// Thread safety: `send` from the recorder's thread (the analysis thread); `finish` from the owner; the body
/// runs on its own thread and is the only user of the files.
public final class RecordWriter: @unchecked Sendable {  // unchecked: file state is confined to the writer thread; the queue is locked
    struct File {
        var path: String
        var parameters: StreamParameters
        var audio: Bool
        var writer: MP4Writer?
        /// Files written for this id so far (a resumed file gets the next suffix).
        var parts = 0
        var failed = false
    }

    let queue: WriterQueue
    public let counters: RecordingCounters
    let cameraDirectory: String
    let minFreeBytes: Int
    let report: @Sendable (String) -> Void
    let now: @Sendable () -> Double
    private var files: [Int: File] = [:]
    private var retention: RetentionPolicy? = nil
    private var diskFull = false
    private var audioReported = false
    private let done = DispatchSemaphore(value: 0)
    /// Live: files that got no packet for this long are finished (the stream stopped); a later packet of the
    /// same file continues in `NAME-2.mp4`. Nil (replay): files end only when the recorder closes them.
    let idleClose: Double?

    /// `policy`: `.block` for replay (nothing lost), `.drop` live (the analysis never waits).
    public init(cameraDirectory: String, capacity: Int, policy: WriterQueuePolicy, minFreeBytes: Int,
                idleClose: Double? = nil,
                counters: RecordingCounters, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                report: @escaping @Sendable (String) -> Void) {
        self.cameraDirectory = cameraDirectory
        queue = WriterQueue(capacity: capacity, policy: policy == .block ? .block : .drop)
        self.minFreeBytes = minFreeBytes
        self.idleClose = idleClose
        self.counters = counters
        self.now = now
        self.report = report
        let t = Thread { [self] in body() }
        t.name = "vigil-rec-" + (cameraDirectory as NSString).lastPathComponent
        t.start()
    }

    /// Queues a command; false when the queue refused it (full, live).
    func send(_ c: WriterCommand) -> Bool { queue.push(c) }

    /// Writes what is queued, closes every file, ends the thread; waits for it.
    public func finish() {
        queue.close()
        done.wait()
    }

    private func body() {
        while true {
            let batch = queue.popAll(timeout: idleClose)
            if batch.isEmpty {
                if queue.isClosed { break }
                finishIdleFiles()
                continue
            }
            for c in batch { execute(c) }
        }
        for id in files.keys.sorted() { close(id) }
        done.signal()
    }

    private func execute(_ c: WriterCommand) {
        switch c {
        case let .open(id, path, parameters, audio):
            files[id] = File(path: path, parameters: parameters, audio: audio)
        case let .packet(id, p):
            write(p, to: id)
        case let .close(id):
            close(id)
            sweep()
        case let .retention(policy):
            retention = policy
            sweep()
        }
    }

    private func write(_ p: MediaPacket, to id: Int) {
        guard var f = files[id], !f.failed else { return }
        if f.writer == nil {
            guard p.isKeyframe else {
                if diskFull { counters.diskFullDrops.wrappingAdd(1, ordering: .relaxed) }
                return
            }
            if !roomToWrite() {
                counters.diskFullDrops.wrappingAdd(1, ordering: .relaxed)
                return
            }
            f.parts += 1
            let path = f.parts == 1 ? f.path : String(f.path.dropLast(4)) + "-\(f.parts).mp4"
            do {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                f.writer = try MP4Writer(path: path, parameters: f.parameters, audio: f.audio)
                if f.audio, f.parameters.audioCodec != nil, !f.writer!.hasAudio, !audioReported {
                    audioReported = true
                    report("recording without audio: MP4 cannot carry \(f.parameters.audioCodec ?? "?")")
                }
            } catch {
                files[id] = f
                failed(id, error)
                return
            }
        }
        do {
            try f.writer!.write(p)
            counters.packetsWritten.wrappingAdd(1, ordering: .relaxed)
            counters.bytesWritten.wrappingAdd(p.size, ordering: .relaxed)
            files[id] = f
        } catch {
            files[id] = f
            failed(id, error)
        }
    }

    /// Whether a new file may start: false while the disk is full (checked again each call) or short of space.
    private func roomToWrite() -> Bool {
        let free = RecordWriter.freeBytes(cameraDirectory)
        let need = diskFull ? max(minFreeBytes, 1 << 20) : minFreeBytes
        if let free, free < need {
            enterDiskFull("less than \(need) bytes free (\(free))")
            return false
        }
        if diskFull {
            diskFull = false
            counters.diskFull.store(0, ordering: .relaxed)
            report("recording resumed: space is free again")
        }
        return true
    }

    private func enterDiskFull(_ why: String) {
        guard !diskFull else { return }
        diskFull = true
        counters.diskFull.store(1, ordering: .relaxed)
        counters.diskFullEvents.wrappingAdd(1, ordering: .relaxed)
        report("recording stopped, disk full: \(why); alerts go on, recording resumes when there is space")
    }

    private func failed(_ id: Int, _ error: any Error) {
        guard var f = files[id] else { return }
        f.writer?.abandon()
        f.writer = nil
        if let e = error as? FFmpegError, e.isDiskFull {
            enterDiskFull(e.description)
            // Every open file is on the same disk: close them where they are; they resume with the space.
            for k in files.keys where k != id {
                files[k]?.writer?.abandon()
                files[k]?.writer = nil
            }
        } else {
            f.failed = true
            counters.writeErrors.wrappingAdd(1, ordering: .relaxed)
            report("recording file abandoned: \(error)")
        }
        files[id] = f
    }

    /// No packet for `idleClose` seconds: the open files are finished where they are (trailer, fsync).
    private func finishIdleFiles() {
        for id in files.keys.sorted() where files[id]?.writer != nil {
            let w = files[id]!.writer!
            files[id]!.writer = nil
            finish(w)
        }
    }

    private func close(_ id: Int) {
        guard let f = files.removeValue(forKey: id), let w = f.writer else { return }
        finish(w)
    }

    private func finish(_ w: MP4Writer) {
        let path = w.path
        do {
            try w.finish()
            let fd = open(path, O_RDONLY)  // the policy: one fsync per finished file, none per fragment
            if fd >= 0 { fsync(fd); Foundation.close(fd) }
            counters.filesClosed.wrappingAdd(1, ordering: .relaxed)
        } catch let e as FFmpegError where e.isDiskFull {
            enterDiskFull(e.description)
        } catch {
            counters.writeErrors.wrappingAdd(1, ordering: .relaxed)
            report("recording file not finished: \(error)")
        }
    }

    private func sweep() {
        guard let retention else { return }
        let open = Set(files.values.compactMap { $0.writer?.path })
        let deleted = Retention.sweep(cameraDirectory: cameraDirectory, policy: retention, now: now(), open: open)
        if !deleted.isEmpty { counters.filesDeleted.wrappingAdd(deleted.count, ordering: .relaxed) }
    }

    static func freeBytes(_ directory: String) -> Int? {
        var dir = directory
        var s = statvfs()
        while statvfs(dir, &s) != 0 {  // the folder may not exist yet: its nearest parent's file system
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty { return nil }
            dir = parent
        }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }
}

/// What the writer queue does when it is full.
public enum WriterQueuePolicy: Sendable { case drop, block }
