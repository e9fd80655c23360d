// swift-tools-version: 6.1
//
// Custody: sign container images and verify them against a trust policy.
//
// Dependency rules (DESIGN.md, "Architecture"); review every change to this file:
// - CustodyJSON    -> nothing (strict JSON reader and canonical writer; the bottom layer)
// - CustodyOCI     -> CustodyJSON, Crypto (hashing only)
// - CustodyFormats -> CustodyOCI, CustodyJSON (simple-signing claims; later envelopes, bundles)
// - CustodyKeys    -> CustodyJSON, Crypto, _CryptoExtras, X509, SwiftASN1 (PEM and cosign key formats, NaCl secretbox,
//                     Signer, certificates read as keys with the identities they name)
// - CustodyOpenPGP -> Crypto, _CryptoExtras, CZlib (the system zlib; the RFC 9580 subset simple signing needs)
// - CustodyRegistry -> CustodyOCI, CustodyJSON, AsyncHTTPClient and the NIO/NIOSSL types it needs (the only networked core target)
// - CustodyStores  -> CustodyOCI, CustodyFormats, CustodyRegistry, Yams (where images and signatures live:
//                     the docker:// transport, cosign .sig attachments, lookaside, dir:, registries.d)
// - CustodyTransparency -> CustodyKeys, Crypto (Merkle math, proofs, tiles, checkpoints as C2SP signed notes)
// - CustodyLog     -> CustodyTransparency, CustodyKeys, CustodyJSON, CSQLite (system sqlite3), PostgresNIO
//                     (server side: log entries, storage behind one protocol, the sequencer)
// - CustodyLogServer -> CustodyLog, Hummingbird, NIOCore, NIOHTTPTypes, HTTPTypes, Logging, Metrics, Prometheus, Crypto (the `custody log serve` HTTP API)
// - CustodyLogClient -> CustodyTransparency, CustodyKeys, CustodyJSON, CustodyRegistry, Crypto (talking to any
//                     Rekor v2 / tlog-tiles log: append, entries, proofs, checkpoints, monitoring)
// - CustodyPolicy  -> CustodyOCI, CustodyJSON, CustodyKeys, CustodyFormats (policy documents, scopes,
//                     identity rules, decisions; no I/O beyond reading the policy file)
// - CustodyVerify  -> the core targets above, CFileStatus (a stat(2) shim for file identities; checks signatures, evaluates policies)
// - CustodySign    -> the core targets above (makes and publishes signatures)
// - CustodyAdmission -> CustodyJSON, CustodyOCI, CustodyPolicy, CustodyStores, CustodyVerify (Kubernetes
//                     AdmissionReview in and out, images of workloads, digest pinning patches, the
//                     verification cache, policy reloading, audit records; no networking of its own)
// - CustodyWebhookServer -> CustodyAdmission, CustodyPolicy, CustodyStores, CustodyVerify, Hummingbird, HummingbirdTLS, NIOCore, NIOSSL, Logging, Metrics,
//                     Prometheus, CustodyLogClient (the `custody webhook serve` HTTPS API)
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
        .library(name: "CustodyFormats", targets: ["CustodyFormats"]),
        .library(name: "CustodyKeys", targets: ["CustodyKeys"]),
        .library(name: "CustodyOpenPGP", targets: ["CustodyOpenPGP"]),
        .library(name: "CustodyStores", targets: ["CustodyStores"]),
        .library(name: "CustodyPolicy", targets: ["CustodyPolicy"]),
        .library(name: "CustodyTransparency", targets: ["CustodyTransparency"]),
        .library(name: "CustodyLog", targets: ["CustodyLog"]),
        .library(name: "CustodyVerify", targets: ["CustodyVerify"]),
        .library(name: "CustodySign", targets: ["CustodySign"]),
        .library(name: "CustodyAdmission", targets: ["CustodyAdmission"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        .target(name: "CustodyJSON", swiftSettings: upcoming),
        .target(
            name: "CustodyOCI",
            dependencies: ["CustodyJSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: upcoming
        ),
        .target(name: "CustodyFormats", dependencies: ["CustodyOCI", "CustodyJSON"], swiftSettings: upcoming),
        .target(
            name: "CustodyKeys",
            dependencies: [
                "CustodyJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: upcoming
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CFileStatus", path: "Sources/CFileStatus"),
        .target(
            name: "CustodyOpenPGP",
            dependencies: [
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyRegistry",
            dependencies: [
                "CustodyOCI", "CustodyJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyStores",
            dependencies: ["CustodyOCI", "CustodyFormats", "CustodyRegistry", .product(name: "Yams", package: "Yams")],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyTransparency",
            dependencies: ["CustodyKeys", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: upcoming
        ),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(
            name: "CustodyLog",
            dependencies: [
                "CustodyTransparency", "CustodyKeys", "CustodyJSON", "CSQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyLogServer",
            dependencies: [
                "CustodyLog", "CustodyTransparency", "CustodyKeys", "CustodyJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyLogClient",
            dependencies: [
                "CustodyTransparency", "CustodyKeys", "CustodyJSON", "CustodyRegistry",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyPolicy",
            dependencies: ["CustodyOCI", "CustodyJSON", "CustodyKeys", "CustodyFormats"],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyVerify",
            dependencies: ["CustodyOCI", "CustodyFormats", "CustodyKeys", "CustodyOpenPGP", "CustodyStores", "CustodyPolicy", "CFileStatus"],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodySign",
            dependencies: ["CustodyOCI", "CustodyFormats", "CustodyKeys", "CustodyOpenPGP", "CustodyStores"],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyAdmission",
            dependencies: ["CustodyJSON", "CustodyOCI", "CustodyKeys", "CustodyPolicy", "CustodyStores", "CustodyRegistry", "CustodyVerify"],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyWebhookServer",
            dependencies: [
                "CustodyAdmission", "CustodyJSON", "CustodyOCI", "CustodyKeys", "CustodyPolicy", "CustodyStores", "CustodyVerify", "CustodyLogClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "CustodyCLI",
            dependencies: [
                "CustodyOCI", "CustodyJSON", "CustodyFormats", "CustodyKeys", "CustodyOpenPGP", "CustodyStores", "CustodyRegistry", "CustodyPolicy",
                "CustodyTransparency", "CustodyLog", "CustodyLogServer", "CustodyLogClient",
                "CustodyVerify", "CustodySign", "CustodyAdmission", "CustodyWebhookServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
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
            name: "CustodyFormatsTests", dependencies: ["CustodyFormats", "CustodyJSON", "CustodyOCI"],
            resources: [.copy("Vectors")], swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyKeysTests", dependencies: ["CustodyKeys", "CustodyTestSupport"],
            resources: [.copy("Vectors")], swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyOpenPGPTests", dependencies: ["CustodyOpenPGP", "CustodyTestSupport"],
            resources: [.copy("Vectors")], swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyRegistryTests", dependencies: ["CustodyRegistry", "CustodyOCI", "CustodyTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyTransparencyTests", dependencies: ["CustodyTransparency", "CustodyKeys", "CustodyTestSupport"],
            resources: [.copy("Vectors")], swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyLogTests", dependencies: ["CustodyLog", "CustodyTransparency", "CustodyKeys", "CustodyTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyLogServerTests",
            dependencies: [
                "CustodyLogServer", "CustodyLog", "CustodyTransparency", "CustodyKeys", "CustodyTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyLogClientTests",
            dependencies: [
                "CustodyLogClient", "CustodyLogServer", "CustodyLog", "CustodyTransparency", "CustodyKeys", "CustodyJSON", "CustodyTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyPolicyTests", dependencies: ["CustodyPolicy", "CustodyOCI", "CustodyJSON", "CustodyTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyStoresTests", dependencies: ["CustodyStores", "CustodyRegistry", "CustodyOCI", "CustodyTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyVerifyTests",
            dependencies: [
                "CustodyVerify", "CustodySign", "CustodyPolicy", "CustodyOpenPGP", "CustodyKeys", "CustodyFormats", "CustodyStores", "CustodyOCI",
                "CustodyTestSupport",
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyAdmissionTests",
            dependencies: [
                "CustodyAdmission", "CustodyJSON", "CustodyOCI", "CustodyPolicy", "CustodyVerify", "CustodyStores", "CustodyKeys",
                "CustodySign", "CustodyTestSupport",
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyWebhookServerTests",
            dependencies: [
                "CustodyAdmission", "CustodyOCI", "CustodyPolicy", "CustodyStores", "CustodyKeys",
                "CustodyRegistry", "CustodyTestSupport", "custody", "CustodyLog", "CustodyLogServer", "CustodyLogClient",
                "CustodyTransparency", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CustodyCLITests", dependencies: ["CustodyCLI", "CustodyOCI", "CustodyTestSupport", "custody"],
            swiftSettings: upcoming
        ),
    ],
    swiftLanguageModes: [.v6]
)
