// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "VTX",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "VTX", targets: ["VTX"]),
        .library(name: "VTXCore", targets: ["VTXCore"]),
        .library(name: "VTXInproc", targets: ["VTXInproc"]),
        .library(name: "ZMTP", targets: ["ZMTP"]),
        .library(name: "VTXSecurity", targets: ["VTXSecurity"]),
        .library(name: "VTXStream", targets: ["VTXStream"]),
        .library(name: "VTXTCP", targets: ["VTXTCP"]),
        .library(name: "VTXIPC", targets: ["VTXIPC"]),
        .library(name: "VTXTLS", targets: ["VTXTLS"]),
        .library(name: "VTXUDP", targets: ["VTXUDP"]),
        .library(name: "VTXPerf", targets: ["VTXPerf"]),
        .library(name: "VTXDriverTests", targets: ["VTXDriverTests"]),
        .library(name: "VTXServiceLifecycle", targets: ["VTXServiceLifecycle"]),
        .executable(name: "vtx-bench", targets: ["VTXBench"]),
        .executable(name: "vtx", targets: ["VTXTool"]),
        .executable(name: "request-reply", targets: ["RequestReplyExample"]),
        .executable(name: "publish-subscribe", targets: ["PublishSubscribeExample"]),
        .executable(name: "tcp-request-reply", targets: ["TCPRequestReplyExample"]),
        .executable(name: "tcp-publish-subscribe", targets: ["TCPPublishSubscribeExample"]),
        .executable(name: "udp-name-server", targets: ["UDPNameServerExample"]),
        .executable(name: "lifecycle-server", targets: ["LifecycleServerExample"]),
        .executable(name: "vtx-soak", targets: ["VTXSoak"]),
    ],
    traits: [
        .trait(
            name: "TLS",
            description: "Builds the vtx tool with the tls:// driver and its --tls-* flags (compiles BoringSSL)"
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // DocC: `swift package generate-documentation` (scripts/docs.sh); a build-time plugin only, nothing links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .target(
            name: "CVTXShims",
            path: "Sources/CVTXShims"
        ),
        .target(
            name: "VTXCore",
            dependencies: [
                "CVTXShims",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Sources/VTXCore",
            swiftSettings: strictSettings
        ),
        // libsodium (the system library, found with pkg-config): CURVE's boxes and key tools.
        .systemLibrary(
            name: "CSodium",
            path: "Sources/CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]
        ),
        .target(
            name: "ZMTP",
            dependencies: [
                "VTXCore",
                "CSodium",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/ZMTP",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXSecurity",
            dependencies: ["VTXCore", "ZMTP", "CSodium"],
            path: "Sources/VTXSecurity",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXStream",
            dependencies: [
                "VTXCore",
                "ZMTP",
                "VTXSecurity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/VTXStream",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXTCP",
            dependencies: ["VTXCore", "VTXStream", .product(name: "NIOCore", package: "swift-nio")],
            path: "Drivers/TCP",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXIPC",
            dependencies: ["VTXCore", "VTXStream", .product(name: "NIOCore", package: "swift-nio")],
            path: "Drivers/IPC",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXTLS",
            dependencies: [
                "VTXCore", "VTXStream", "VTXTCP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Drivers/TLS",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXUDP",
            dependencies: [
                "VTXCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Drivers/UDP",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXInproc",
            dependencies: ["VTXCore"],
            path: "Drivers/Inproc",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTX",
            dependencies: ["VTXCore", "VTXInproc", "VTXTCP", "VTXIPC", "VTXUDP", "VTXSecurity"],
            path: "Sources/VTX",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXPerf",
            dependencies: ["VTX", .product(name: "Histogram", package: "hdrhistogram-swift")],
            path: "Sources/VTXPerf",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXServiceLifecycle",
            dependencies: [
                "VTXCore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/VTXServiceLifecycle",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXDriverTests",
            dependencies: ["VTXCore"],
            path: "Sources/VTXDriverTests",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "VTXTool",
            dependencies: [
                "VTX", "VTXPerf", "VTXUDP",
                .target(name: "VTXTLS", condition: .when(traits: ["TLS"])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/vtx",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "VTXBench",
            dependencies: [
                "VTX", "VTXPerf", .target(name: "VTXTLS", condition: .when(traits: ["TLS"])),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Benchmarks/VTXBench",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "RequestReplyExample",
            dependencies: ["VTX"],
            path: "Examples/RequestReply",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PublishSubscribeExample",
            dependencies: ["VTX"],
            path: "Examples/PublishSubscribe",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "TCPRequestReplyExample",
            dependencies: ["VTX"],
            path: "Examples/TCPRequestReply",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "TCPPublishSubscribeExample",
            dependencies: ["VTX"],
            path: "Examples/TCPPublishSubscribe",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "UDPNameServerExample",
            dependencies: ["VTX"],
            path: "Examples/UDPNameServer",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "LifecycleServerExample",
            dependencies: [
                "VTX", "VTXServiceLifecycle",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/LifecycleServer",
            swiftSettings: strictSettings
        ),
        .target(
            name: "VTXTestSupport",
            path: "Tests/VTXTestSupport",
            exclude: ["Peers"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VTXCoreTests",
            dependencies: ["VTXCore", "VTXTestSupport", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/VTXCoreTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VTXInprocTests",
            dependencies: ["VTX", "VTXTestSupport"],
            path: "Tests/VTXInprocTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ZMTPTests",
            dependencies: ["ZMTP", "VTXCore", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/ZMTPTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SecurityTests",
            dependencies: ["VTXSecurity", "ZMTP", "VTXCore", "CSodium", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/SecurityTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VTXStreamTests",
            dependencies: [
                "VTX", "VTXStream", "VTXTCP", "VTXIPC", "ZMTP", "VTXTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/VTXStreamTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VTXCLITests",
            dependencies: [
                "VTXTool", "VTXPerf", "VTX", "VTXTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tests/VTXCLITests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VTXTLSTests",
            dependencies: [
                "VTX", "VTXTLS", "VTXTestSupport", "VTXDriverTests",
            ],
            path: "Tests/VTXTLSTests",
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VTXErgonomicsTests",
            dependencies: [
                "VTX", "VTXServiceLifecycle", "VTXTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/VTXErgonomicsTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DriverAPITests",
            dependencies: ["VTXCore", "VTXTestSupport", "VTXDriverTests"],
            path: "Tests/DriverAPITests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VTXUDPTests",
            dependencies: [
                "VTX", "VTXUDP", "VTXTestSupport", "VTXDriverTests",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/VTXUDPTests",
            exclude: ["Peers"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DriverConformanceTests",
            dependencies: ["VTX", "VTXDriverTests"],
            path: "Tests/DriverConformanceTests",
            swiftSettings: strictSettings
        ),
        // The soak's programs (Benchmarks/soak.sh; docs/RELIABILITY.md, "Soak").
        .executableTarget(
            name: "VTXSoak",
            dependencies: ["VTX"],
            path: "Benchmarks/Soak",
            swiftSettings: strictSettings
        ),
    ]
)

// The libFuzzer harnesses (Fuzz/, docs/RELIABILITY.md): one executable, built only when scripts/fuzz.sh sets
// VTX_FUZZ=1, with -sanitize=fuzzer,address and -parse-as-library (Fuzz/Entry.swift hands over to libFuzzer).
if Context.environment["VTX_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(
            name: "VTXFuzz",
            dependencies: ["VTXCore", "ZMTP", "VTXSecurity", "VTXUDP", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz",
            exclude: ["Corpus"],
            swiftSettings: strictSettings
        )
    )
    package.products.append(.executable(name: "vtx-fuzz", targets: ["VTXFuzz"]))
}
