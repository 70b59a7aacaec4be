// swift-tools-version:6.1
import PackageDescription
import Foundation

// Opt-in: VIGIL_TARGET_CPU=haswell (or another LLVM CPU name) compiles the tensor engine's Swift loops
// for that CPU (AVX2/FMA for haswell). The default build runs on any x86-64.
let inferenceSwiftSettings: [SwiftSetting] = ProcessInfo.processInfo.environment["VIGIL_TARGET_CPU"].map {
    [.unsafeFlags(["-target-cpu", $0])]
} ?? []

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The HTTP API and web page (target API only; the daemon is its only user). No traits: the API needs
        // neither swift-configuration nor the full-Foundation helpers.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // The event index (SQLite through Debian's libsqlite3-dev).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Hummingbird's own dependencies, named for the API's channel handler (header timeout).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The only C interop with FFmpeg: a system library plus a shim header.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev", "pkg-config"])]
        ),
        // libmosquitto (Debian libmosquitto-dev): the MQTT client library, behind a module map like CFFmpeg.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // MQTT client over libmosquitto (own network thread, reconnect with backoff, bounded outbound queue) and
        // Vigil's publisher: events, per-camera states, snapshots, stats, switches, Home Assistant discovery.
        .target(name: "MQTT", dependencies: ["CMosquitto", "VigilCore", "Config", .product(name: "DequeModule", package: "swift-collections")]),
        // Value types shared by every stage; no dependencies.
        .target(name: "VigilCore"),
        .target(
            name: "Config",
            dependencies: ["VigilCore", "Motion", "Rules", "Tracking", "Sinks", .product(name: "Yams", package: "Yams")]
        ),
        // Demux, decode, scale; the only importer of CFFmpeg.
        .target(name: "Media", dependencies: ["CFFmpeg", "VigilCore"]),
        // Pixel analysis of the downscaled grey frame: motion detection and motion events, camera tamper
        // (covered, defocused, moved).
        .target(name: "Motion", dependencies: ["VigilCore"]),
        // Recording: pre-roll of compressed packets, event clips, continuous segments, retention, writer thread.
        .target(name: "Recording", dependencies: ["VigilCore", "Media", "Config",
                                                  .product(name: "DequeModule", package: "swift-collections")]),
        // Alert outputs.
        .target(name: "Sinks", dependencies: ["VigilCore"]),
        // Bounded lock-free rings (Synchronization.Atomic) and the frame-buffer pool.
        .target(name: "Ring", dependencies: ["VigilCore"]),
        // The one ingest path (replay, live cameras, benchmarks): a source's frames into pooled buffers and a ring.
        .target(name: "Ingest", dependencies: ["VigilCore", "Media", "Ring"]),
        // One camera's analysis chain on its own settings types (no Config, no Yams): motion and tamper, the
        // detection stage (gating, one NMS across jobs, tracker hand-off), the detector bank on the shared inference
        // pool, the rules, snapshots; one value result per frame. Shared by replay, the daemon and the benchmarks.
        .target(
            name: "Analysis",
            dependencies: ["VigilCore", "Media", "Motion", "Sinks", "Rules", "Detection", "Tracking"]
        ),
        // `vigil replay` (ReplayPipeline: a file through FrameIngest and one CameraAnalyzer, the replay observers)
        // and the one mapping of the config onto the analysis chain's settings (AnalysisSettings+Config.swift).
        .target(
            name: "Pipeline",
            dependencies: ["VigilCore", "Config", "Analysis", "Media", "Ring", "Ingest", "Motion", "Sinks", "Rules",
                           "Detection", "Tracking", "Recording"]
        ),
        // `vigil run`: the Daemon (cameras, reload planning, stop) and its parts in a swift-service-lifecycle
        // ServiceGroup (DaemonPart, StopSignals), each LiveCamera a reconnect/health state machine
        // (CameraPhase), the Supervisor (rates, STATUS=, watchdog), metrics rendering, sd_notify; time from an
        // injected TickingClock.
        .target(
            name: "Service",
            dependencies: ["VigilCore", "Config", "Analysis", "Pipeline", "Media", "Ring", "Ingest", "Sinks",
                           "Recording", .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        // Detections become tracks: IoU and motion-predicting (Kalman + ByteTrack) trackers; pure, no I/O.
        .target(name: "Tracking", dependencies: ["VigilCore"]),
        // Tensor engine: ONNX loading (generated swift-protobuf code under Generated/), graph preparation, operators.
        // sgemm comes from OpenBLAS (Debian libopenblas0), loaded with dlopen at run time (see BLAS.swift).
        // Hand-written float32 kernels (GEMM micro-kernel, packing, im2col, activations) in C, compiled
        // for baseline x86-64 with AVX-512 functions chosen at run time by CPU features.
        .target(name: "CInferenceKernels"),
        .target(
            name: "Inference",
            dependencies: [
                "VigilCore",
                "CInferenceKernels",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Generated/README.md"],
            swiftSettings: inferenceSwiftSettings
        ),
        // Object detectors on frames: preprocessing (letterbox), model adapters (ssd-anchors, yolo), NMS.
        .target(name: "Detection", dependencies: ["VigilCore", "Inference", "CHOGKernels"]),
        // The HOG people detector's per-pixel kernels (sampling, gradients, histograms, SVM) in C, baseline x86-64
        // with AVX2+FMA bodies chosen at run time; optimised in debug builds too (the tests run the detector).
        .target(name: "CHOGKernels", cSettings: [.unsafeFlags(["-O2", "-fno-math-errno", "-ffp-contract=off"])]),
        // Tracks and frame facts become alerts: zones, lines, loitering, crowding, stationary objects, arm
        // schedules. Pure and deterministic, no I/O.
        .target(name: "Rules", dependencies: ["VigilCore"]),
        // HTTP API and web page of `vigil run` (Hummingbird 2), the SQLite event index (GRDB); knows the daemon only
        // through narrow protocols (APIBackend), the alert log through Sinks.
        .target(
            name: "API",
            dependencies: [
                "VigilCore", "Sinks", "Config",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Web")]
        ),
        // Command-line helpers shared by the `vigil` commands and the benchmarks: stderr output, user-facing errors.
        .target(
            name: "CommandSupport",
            dependencies: ["VigilCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // `vigil bench`: the benchmark suites, each figure beside its reference measured in the same run.
        // Benchmark-only dependencies (DequeModule for the ring's reference queue) stay here, out of the daemon code.
        .target(
            name: "VigilBench",
            dependencies: [
                "CommandSupport", "VigilCore", "Config", "Media", "Pipeline", "Analysis", "Service", "Recording", "API", "Sinks", "Ring", "MQTT",
                "Ingest", "Motion", "Tracking", "Inference", "Detection", "Rules",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "CommandSupport",
                "VigilBench",
                "VigilCore",
                "Config",
                "Media",
                "Pipeline",
                "Service",
                "Analysis",
                "Recording",
                "API",
                "Sinks",
                "Ring",
                "MQTT",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "Tracking",
                "Inference",
                "Detection",
                "Rules",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Sinks"]),
        // Generated clips and process helpers shared by the test targets.
        .target(name: "TestSupport", dependencies: ["VigilCore", "Sinks", "CInferenceKernels"], path: "Tests/TestSupport"),
        .testTarget(name: "MediaTests", dependencies: ["Media", "TestSupport"]),
        .testTarget(name: "MotionTests", dependencies: ["Motion", "VigilCore", "TestSupport"]),
        .testTarget(name: "SinksTests", dependencies: ["Sinks", "VigilCore"]),
        .testTarget(name: "RingTests", dependencies: ["Ring", "VigilCore"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Media", "Ring", "VigilCore", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Analysis", "TestSupport", "VigilCore", "Config", "Sinks",
                                                       "Detection", "Motion", "Rules", "Tracking"]),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "Pipeline", "Analysis", "TestSupport", "VigilCore",
                                                      "Config", "Sinks", .product(name: "Logging", package: "swift-log"),
                                                      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .testTarget(name: "VigilCLITests", dependencies: ["vigil", "TestSupport", "VigilCore", "Sinks"]),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking", "VigilCore", "TestSupport"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "CInferenceKernels", "TestSupport"]),
        .testTarget(name: "DetectionTests", dependencies: ["CHOGKernels", "Detection", "Inference", "Media", "VigilCore", "TestSupport"]),
        .testTarget(name: "MQTTTests", dependencies: ["MQTT", "vigil", "VigilCore", "Config", "TestSupport"]),
        .testTarget(name: "RecordingTests", dependencies: ["Recording", "Media", "Config", "VigilCore", "TestSupport"]),
        .testTarget(name: "APITests", dependencies: ["API", "VigilCore", "Sinks", "Config", "TestSupport",
                                                  .product(name: "Hummingbird", package: "hummingbird"),
                                                  .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "VigilCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
