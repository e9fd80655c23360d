// swift-tools-version: 6.1
//
// Custody: sign container images and verify them against a trust policy.
//
// Dependency rules (DESIGN.md, "Architecture"); review every change to this file:
// - CustodyJSON    -> nothing (strict JSON reader and canonical writer; the bottom layer)
// - CustodyOCI     -> CustodyJSON, Crypto (hashing only)
// - CustodyFormats -> CustodyOCI, CustodyJSON (arrives with the simple-signing claim)
// - CustodyCLI     -> the core targets plus ArgumentParser
// - custody        -> CustodyCLI only; it holds `@main` and nothing else
// Core targets never import Hummingbird, NIO, ArgumentParser or Logging.
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Custody",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "custody", targets: ["custody"]),
        .library(name: "CustodyJSON", targets: ["CustodyJSON"]),
        .library(name: "CustodyOCI", targets: ["CustodyOCI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .target(name: "CustodyJSON", swiftSettings: upcoming),
        .target(
            name: "CustodyOCI",
            dependencies: ["CustodyJSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyCLI",
            dependencies: [
                "CustodyOCI", "CustodyJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(name: "custody", dependencies: ["CustodyCLI"], swiftSettings: upcoming),
        .target(name: "CustodyTestSupport", dependencies: ["CustodyOCI"], path: "Tests/CustodyTestSupport", swiftSettings: upcoming),

        .testTarget(
            name: "CustodyJSONTests", dependencies: ["CustodyJSON"],
            resources: [.copy("Vectors")], swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyOCITests", dependencies: ["CustodyOCI", "CustodyTestSupport"],
            resources: [.copy("Vectors")], swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyCLITests", dependencies: ["CustodyCLI", "CustodyOCI", "CustodyTestSupport", "custody"],
            swiftSettings: upcoming
        ),
    ],
    swiftLanguageModes: [.v6]
)
