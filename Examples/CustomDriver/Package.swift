// swift-tools-version:6.1
// A driver written outside VTX: it depends on VTX by path, as a user's package would, implements the `loop://`
// transport (Sources/LoopTransport), registers it and runs REQ/REP, PUB/SUB and the driver conformance suite over
// it. CI builds and runs it (scripts/test.sh), so VTX's public API cannot lose something a driver needs.
import PackageDescription

let package = Package(
    name: "CustomDriver",
    platforms: [.macOS(.v15)],
    dependencies: [
        // `name:` gives the dependency its identity whatever the checkout's folder is called.
        .package(name: "VTX", path: "../.."),
    ],
    targets: [
        .target(
            name: "LoopTransport",
            dependencies: [.product(name: "VTXCore", package: "VTX")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .executableTarget(
            name: "CustomDriverDemo",
            dependencies: [
                "LoopTransport",
                .product(name: "VTXCore", package: "VTX"),
                .product(name: "VTXDriverTests", package: "VTX"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ]
)
