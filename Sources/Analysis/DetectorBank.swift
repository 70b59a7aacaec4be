import Detection
import Foundation
import Synchronization
import VigilCore

/// The detectors of one `detect:` configuration (one or several models), ready to run on an `InferencePool`:
/// one instance of every model per pool slot (a detector serialises its own calls, so `capacity` inferences
/// of one model at once need `capacity` instances). Cameras with the same models can share a bank.
///
/// Thread safety: `detect` from any thread, concurrently; instances are handed out under a lock, one job each.
public final class DetectorBank: Sendable {
    /// One model of the bank.
    public struct Model: Sendable {
        /// As configured (a shipped name or a path).
        public var name: String
        public var labels: [String]
        public var inputSize: (width: Int, height: Int)
        /// The detector's `searchCostsByArea`: searched in the motion regions on coverage full-frame passes.
        public var searchCostsByArea: Bool = false
    }

    /// One inference: `model` (index into `models`) on `region` (source pixels; nil: the whole frame).
    public struct Job: Sendable, Equatable {
        public var model: Int
        public var region: Box?
        public init(model: Int, region: Box?) { self.model = model; self.region = region }
    }

    public let models: [Model]
    public let pool: InferencePool
    /// `instances[m][k]`: model m's k-th instance.
    private let instances: [[any Detector]]
    /// Free instance indices per model.
    private let free: Mutex<[[Int]]>
    /// Inferences per model (`vigil_detector_inferences_total{model}`) and their seconds
    /// (`vigil_detector_inference_seconds{model}` histogram).
    public let latency: [LatencyHistogram]
    /// Per model: inferences, CPU and where they looked (profiles: `vigil bench capacity`).
    public let usage: [ModelUsage]

    /// `instances[m]` holds model m's detectors, at least `pool.capacity` of them (one per slot).
    public init(names: [String], instances: [[any Detector]], pool: InferencePool) {
        precondition(names.count == instances.count && !names.isEmpty)
        precondition(instances.allSatisfy { $0.count >= pool.capacity }, "one instance per pool slot")
        self.instances = instances
        self.pool = pool
        models = zip(names, instances).map {
            Model(name: $0, labels: $1[0].labels, inputSize: $1[0].inputSize, searchCostsByArea: $1[0].searchCostsByArea)
        }
        free = Mutex(instances.map { Array($0.indices.reversed()) })
        latency = instances.map { _ in LatencyHistogram(bounds: pool.stats.latency.bounds) }
        usage = instances.map { _ in ModelUsage() }
    }

    /// Loads `detect.models` (names resolve under `modelsDirectory`), each once per slot of
    /// `pool`, with `threads` threads per session, each run once on a grey picture. A missing, unreadable or unknown model throws
    /// `DetectorError` (a configuration error: exit 78); no model configured is an error too.
    public static func load(detect: DetectionSettings, modelsDirectory: URL, pool: InferencePool,
                            threads: Int = 1) throws -> DetectorBank {
        let names = detect.models
        guard !names.isEmpty else { throw DetectorError(model: "detect.model", reason: "no model configured") }
        let several = names.count > 1
        var all: [[any Detector]] = []
        for name in names {
            let url = DetectorLoader.resolve(name, modelsDirectory: modelsDirectory)
            var copies: [any Detector] = []
            // One grey picture through every instance before any camera starts: the first run of a session
            // pays for its arena and packed weights (hundreds of ms on a live camera's first frames, which the
            // drop-oldest ring then drops), and a model that loads but cannot run fails here, as a config error.
            let warmUp = PixelBuffer(width: 64, height: 64, format: .rgb24)
            warmUp.data.update(repeating: 114, count: warmUp.byteCount)
            for _ in 0..<pool.capacity {
                let d = try DetectorLoader.load(url, labels: detect.labelNames, scoreThreshold: detect.minScore,
                                                threads: threads, relabelSingleClass: !several, adaptInputShape: true)
                do { _ = try d.detect(warmUp, sourceWidth: 64, sourceHeight: 64) } catch {
                    throw DetectorError(model: url.path, reason: "loads but cannot run: \(error)")
                }
                copies.append(d)
            }
            all.append(copies)
        }
        return DetectorBank(names: names, instances: all, pool: pool)
    }

    /// Runs the jobs on the pool (concurrently, at most `pool.capacity` in flight over all callers) and
    /// returns each job's detections, in job order.
    /// `cpu`: where each job's CPU time goes (`.detection`), on whichever thread it runs.
    public func detect(_ rgb: PixelBuffer, jobs: [Job], sourceWidth: Int, sourceHeight: Int,
                       cpu: StageTimes? = nil) throws -> [[Detection]] {
        try pool.run(jobs.count) { [self] i in
            let cpu0 = cpu == nil ? 0 : ThreadCPUClock.nanoseconds()
            defer { cpu?.charge(.detection, since: cpu0) }
            let job = jobs[i]
            let k = free.withLock { $0[job.model].popLast() }
            guard let k else { preconditionFailure("more jobs in flight than pool slots") }
            defer { free.withLock { $0[job.model].append(k) } }
            let start = MonotonicClock.nanoseconds(), jobCPU = ThreadCPUClock.nanoseconds()
            let detector = instances[job.model][k]
            defer {
                latency[job.model].observe(Double(MonotonicClock.nanoseconds() - start) / 1e9)
                let shape = detector.inputShape(region: job.region, sourceWidth: sourceWidth, sourceHeight: sourceHeight)
                usage[job.model].record(region: job.region, cpuNanoseconds: ThreadCPUClock.nanoseconds() &- jobCPU,
                                        inputPixels: shape.width * shape.height)
            }
            return try detector.detect(rgb, region: job.region, sourceWidth: sourceWidth, sourceHeight: sourceHeight)
        }
    }
}

/// What one model of a bank did: inferences over the whole frame and over regions, their CPU time, the regions'
/// sides and the model input's pixels — where detection's time goes.
///
/// Thread safety: atomics (relaxed: statistics only); recorded from any inference thread, read from any thread.
public final class ModelUsage: Sendable {
    /// Totals at one instant.
    ///
    /// Thread safety: a plain value.
    public struct Totals: Sendable, Equatable {
        public var inferences = 0, fullFrame = 0
        public var cpuNanoseconds = 0
        /// Sum over region inferences of the region's side (√area, source pixels).
        public var regionSides = 0
        /// Sum over inferences of the model input's pixels (width × height).
        public var inputPixels = 0

        public init() {}

        /// `self − earlier`, field by field.
        public func since(_ earlier: Totals) -> Totals {
            var d = Totals()
            d.inferences = inferences - earlier.inferences; d.fullFrame = fullFrame - earlier.fullFrame
            d.cpuNanoseconds = cpuNanoseconds - earlier.cpuNanoseconds
            d.regionSides = regionSides - earlier.regionSides; d.inputPixels = inputPixels - earlier.inputPixels
            return d
        }
    }

    private let runs = Atomic<Int>(0), whole = Atomic<Int>(0), cpu = Atomic<Int>(0)
    private let sides = Atomic<Int>(0), pixels = Atomic<Int>(0)

    public init() {}

    func record(region: Box?, cpuNanoseconds: UInt64, inputPixels: Int) {
        runs.wrappingAdd(1, ordering: .relaxed)
        if let region { sides.wrappingAdd(Int(region.area.squareRoot().rounded()), ordering: .relaxed) } else {
            whole.wrappingAdd(1, ordering: .relaxed)
        }
        cpu.wrappingAdd(Int(truncatingIfNeeded: cpuNanoseconds), ordering: .relaxed)
        pixels.wrappingAdd(inputPixels, ordering: .relaxed)
    }

    public var totals: Totals {
        var t = Totals()
        t.inferences = runs.load(ordering: .relaxed); t.fullFrame = whole.load(ordering: .relaxed)
        t.cpuNanoseconds = cpu.load(ordering: .relaxed); t.regionSides = sides.load(ordering: .relaxed)
        t.inputPixels = pixels.load(ordering: .relaxed)
        return t
    }
}
