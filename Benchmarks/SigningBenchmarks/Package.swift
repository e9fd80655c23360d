// swift-tools-version: 6.1
//
// SigningBenchmarks: package-benchmark (ordo-one/benchmark) benchmarks of OpenPGP signature
// verification in CustodyOpenPGP, next to the raw swift-crypto primitive each one is built on, and
// of trust-policy evaluation (CustodyVerify's PolicyEvaluator) next to the signature checks it makes.
// A separate package so the root package does not depend on the benchmark tooling.
//
//     cd Benchmarks/SigningBenchmarks
//     swift package --allow-writing-to-package-directory benchmark
//
// See Docs/benchmarks.md ("OpenPGP verification throughput").
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its directory, so the root package's identity is the name
/// of the checkout's directory (e.g. "main"), whatever the clone is called.
let rootDirectory = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = rootDirectory.lastPathComponent.lowercased()

let package = Package(
    name: "SigningBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        // Naming the traits keeps the malloc counters and turns off the default "RuntimeInterposer"
        // trait, whose dependency (ordo-one/swift-runtime-interposer, Linux + Swift 6.3 only) cannot
        // be fetched on this project's machines: with the default traits, resolution fails.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        .executableTarget(
            name: "SigningBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CustodyOpenPGP", package: rootIdentity),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Benchmarks/SigningBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "PolicyEvaluation",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CustodyOpenPGP", package: rootIdentity),
                .product(name: "CustodyOCI", package: rootIdentity),
                .product(name: "CustodyPolicy", package: rootIdentity),
                .product(name: "CustodyVerify", package: rootIdentity),
                .product(name: "CustodySign", package: rootIdentity),
                .product(name: "CustodyStores", package: rootIdentity),
            ],
            path: "Benchmarks/PolicyEvaluation",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
