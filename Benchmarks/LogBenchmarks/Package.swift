// swift-tools-version: 6.1
//
// LogBenchmarks: `log-bench`, the tools behind Benchmarks/log.sh.
// - `log-bench populate` writes a log of N entries straight into SQLite storage, batch by batch,
//   with tiles, entry bundles and a signed checkpoint, as the sequencer would;
// - `log-bench proofs` asks a running `custody log serve` for tiles over HTTP and builds and
//   verifies inclusion proofs for random entries, reporting latency percentiles.
// A separate package so the root package does not build benchmark tooling.
//
//     cd Benchmarks/LogBenchmarks && swift build -c release
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its directory (see SigningBenchmarks/Package.swift).
let rootDirectory = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = rootDirectory.lastPathComponent.lowercased()

let package = Package(
    name: "LogBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .executableTarget(
            name: "log-bench",
            dependencies: [
                .product(name: "CustodyLog", package: rootIdentity),
                .product(name: "CustodyTransparency", package: rootIdentity),
                .product(name: "CustodyKeys", package: rootIdentity),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Sources/LogBench"
        ),
    ],
    swiftLanguageModes: [.v6]
)
