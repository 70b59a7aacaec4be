@testable import Analysis
import Config
import Detection
import Dispatch
import Foundation
import Synchronization
import Testing
import TestSupport
import VigilCore
@testable import Pipeline

/// The shared inference pool: results in job order whatever the interleaving, never more than `capacity`
/// in flight over all callers, its counters; the bank's loader. No timing is asserted: concurrency is
/// forced with gates, and waits are bounded only so a broken pool fails instead of hanging.
@Suite struct InferencePoolTests {
    @Test func resultsComeBackInJobOrderForEveryCaller() throws {
        let pool = InferencePool(maxInFlight: 3)
        let outputs = Mutex<[Int: [Int]]>([:])
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            // later jobs finish first: job i sleeps less than job i - 1
            let r = try? pool.run(12) { i in usleep(UInt32(200 * (12 - i))); return caller * 100 + i }
            outputs.withLock { $0[caller] = r }
        }
        for caller in 0..<4 { #expect(outputs.withLock { $0[caller] } == (0..<12).map { caller * 100 + $0 }) }
        #expect(pool.stats.inferences == 48 && pool.stats.inFlight == 0)
    }

    @Test func neverMoreThanCapacityInFlightAndBothSlotsUsed() throws {
        let pool = InferencePool(maxInFlight: 2)
        let inside = Atomic<Int>(0), most = Atomic<Int>(0)
        let deadline = Date().addingTimeInterval(30)
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            _ = try? pool.run(10) { _ in
                let now = inside.wrappingAdd(1, ordering: .relaxed).newValue
                _ = most.max(now)
                // the first two stay until a third job has found both slots busy and queued
                while pool.stats.waits == 0 && Date() < deadline { usleep(100) }
                inside.wrappingSubtract(1, ordering: .relaxed)
                return 0
            }
        }
        #expect(most.load(ordering: .relaxed) == 2)
        #expect(pool.stats.peakInFlight == 2 && pool.stats.capacity == 2)
        #expect(pool.stats.waits >= 1 && pool.stats.inferences == 30)
        #expect(pool.stats.latency.snapshot().count == 30)
    }

    struct Boom: Error, Equatable { var index: Int }

    @Test func theFirstErrorIsRethrownAfterEveryJobRan() throws {
        let pool = InferencePool(maxInFlight: 2)
        let ran = Atomic<Int>(0)
        #expect(throws: Boom(index: 3)) {
            try pool.run(8) { i in
                ran.wrappingAdd(1, ordering: .relaxed)
                if i == 3 || i == 6 { throw Boom(index: i) }
                return i
            }
        }
        #expect(ran.load(ordering: .relaxed) == 8)
        #expect(try pool.run(3) { $0 } == [0, 1, 2])   // still usable
    }

    @Test func bankLoadsOneInstancePerSlotAndMergesLabels() throws {
        let models = Fixtures.repoRoot.appendingPathComponent("samples/models")
        var detect = DetectConfig()
        detect.models = ["blazeface_short_128", "blazepose_detector_224"]
        detect.labelNames = ["ignored"]   // for yolo models only when several are listed
        let pool = InferencePool(maxInFlight: 2)
        let bank = try DetectorBank.load(detect: DetectionSettings(detect), modelsDirectory: models, pool: pool)
        #expect(bank.models.map(\.labels) == [["face"], ["person"]])
        #expect(bank.models.map(\.inputSize.width) == [128, 224])
        let frame = PixelBuffer(width: 320, height: 240, format: .rgb24)   // black: nothing in it
        let jobs = [DetectorBank.Job(model: 0, region: nil), .init(model: 1, region: nil),
                    .init(model: 0, region: Box(x1: 0, y1: 0, x2: 100, y2: 100)), .init(model: 1, region: nil)]
        #expect(try bank.detect(frame, jobs: jobs, sourceWidth: 320, sourceHeight: 240) == [[], [], [], []])
        #expect(bank.latency.map { $0.snapshot().count } == [2, 2])
        // the profile: per model inferences, full-frame ones, regions' sides, input pixels (a 4:3 frame runs at
        // 128×96 and 224×192 instead of the squares), CPU time
        let face = bank.usage[0].totals, pose = bank.usage[1].totals
        #expect(face.inferences == 2 && face.fullFrame == 1 && face.regionSides == 100)
        #expect(pose.inferences == 2 && pose.fullFrame == 2 && pose.regionSides == 0)
        #expect(face.inputPixels == 128 * 96 + 128 * 128 && pose.inputPixels == 2 * 224 * 192)
        #expect(face.cpuNanoseconds > 0 && pose.cpuNanoseconds > 0)
        #expect(pose.since(pose) == ModelUsage.Totals())
    }

    @Test func badModelsAreConfigErrors() throws {
        let models = Fixtures.repoRoot.appendingPathComponent("samples/models")
        var detect = DetectConfig()
        detect.models = ["blazeface_short_128", "no_such_model"]
        let error = #expect(throws: DetectorError.self) {
            try DetectorBank.load(detect: DetectionSettings(detect), modelsDirectory: models, pool: InferencePool(maxInFlight: 1))
        }
        #expect(error?.exitStatus == .config && error?.description.contains("no_such_model") == true)
        var none = DetectConfig()
        none.models = []  // motion only
        #expect(throws: DetectorError.self) {
            try DetectorBank.load(detect: DetectionSettings(none), modelsDirectory: models, pool: InferencePool(maxInFlight: 1))
        }
    }
}

extension Atomic where Value == Int {
    /// Raises the value to at least `v`; returns the new value.
    func max(_ v: Int) -> Int {
        var seen = load(ordering: .relaxed)
        while v > seen {
            let (done, original) = compareExchange(expected: seen, desired: v, ordering: .relaxed)
            if done { return v }
            seen = original
        }
        return seen
    }
}
