// swift-tools-version:6.0
import PackageDescription

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
    ],
    targets: [
        // The only C interop with FFmpeg: a system library plus a shim header.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev", "pkg-config"])]
        ),
        // Value types shared by every stage; no dependencies.
        .target(name: "VigilCore"),
        // Detections become tracks: IoU and motion-predicting (Kalman + ByteTrack) trackers; pure, no I/O.
        .target(name: "Tracking", dependencies: ["VigilCore"]),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilCore",
                "Tracking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"]),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking", "VigilCore"]),
    ],
    swiftLanguageModes: [.v6]
)
