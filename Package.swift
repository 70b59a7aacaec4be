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
            dependencies: ["VigilCore", "Motion", "Rules", .product(name: "Yams", package: "Yams")]
        ),
        // Demux, decode, scale; the only importer of CFFmpeg.
        .target(name: "Media", dependencies: ["CFFmpeg", "VigilCore"]),
        // Motion detection on the downscaled grey frame, and motion events.
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
        // Wires the stages per camera: replay, and the daemon (live cameras, reconnect, reload, metrics, sd_notify).
        .target(
            name: "Pipeline",
            dependencies: ["VigilCore", "Config", "Media", "Ring", "Ingest", "Motion", "Sinks", "Rules", "Detection", "Tracking",
                           "Recording", .product(name: "Logging", package: "swift-log")]
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
        // schedules, camera tamper. Pure and deterministic, no I/O.
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
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilCore",
                "Config",
                "Media",
                "Pipeline",
                "Recording",
                "API",
                "Sinks",
                "Ring",
                "MQTT",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                "Tracking",
                "Inference",
                "Detection",
                "Rules",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        // Generated clips and process helpers shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MediaTests", dependencies: ["Media", "TestSupport"]),
        .testTarget(name: "MotionTests", dependencies: ["Motion"]),
        .testTarget(name: "SinksTests", dependencies: ["Sinks", "VigilCore"]),
        .testTarget(name: "RingTests", dependencies: ["Ring", "VigilCore"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Media", "Ring", "VigilCore", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "TestSupport", "VigilCore", "Config", "Sinks", "Detection"]),
        .testTarget(name: "VigilCLITests", dependencies: ["vigil", "TestSupport", "VigilCore", "Sinks"]),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking", "VigilCore"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "CInferenceKernels"]),
        .testTarget(name: "DetectionTests", dependencies: ["Detection", "Inference", "Media", "VigilCore"]),
        .testTarget(name: "MQTTTests", dependencies: ["MQTT", "vigil", "VigilCore", "Config", "Pipeline", "TestSupport"]),
        .testTarget(name: "RecordingTests", dependencies: ["Recording", "Media", "Config", "VigilCore", "TestSupport"]),
        .testTarget(name: "APITests", dependencies: ["API", "VigilCore", "Sinks", "Config", "TestSupport",
                                                  .product(name: "Hummingbird", package: "hummingbird"),
                                                  .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "VigilCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
