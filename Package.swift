// swift-tools-version:6.1
// The swift-tools-version declares the minimum version of Swift required to build this package.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    // https://github.com/apple/swift-evolution/blob/main/proposals/0335-existential-any.md
    .enableUpcomingFeature("ExistentialAny"),
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "muster",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "MusterDomain", targets: ["MusterDomain"]),
        .library(name: "MusterSecurity", targets: ["MusterSecurity"]),
        .library(name: "MusterEngine", targets: ["MusterEngine"]),
        .library(name: "MusterLog", targets: ["MusterLog"]),
        .library(name: "MusterStorage", targets: ["MusterStorage"]),
        .library(name: "MusterClient", targets: ["MusterClient"]),
        .executable(name: "muster", targets: ["MusterCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4", traits: []),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // Only the OTLP/HTTP exporter: the gRPC one would double the build for nothing Muster uses.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // The pure, event-sourced rules of the product: value types, decide and apply. No I/O.
        .target(
            name: "MusterDomain",
            swiftSettings: swiftSettings
        ),
        // Signed magic-link tokens, secret digests and slow password hashes.
        .target(
            name: "MusterSecurity",
            dependencies: [
                "MusterDomain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // One actor per organisation, the global actors, and the façade that routes commands.
        .target(
            name: "MusterEngine",
            dependencies: ["MusterDomain", "MusterSecurity", .product(name: "Tracing", package: "swift-distributed-tracing")],
            swiftSettings: swiftSettings
        ),
        // The system zlib (Debian: zlib1g-dev), for compressing log batches and snapshots.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // Bytes on disk, knowing nothing of events: the file system and its syscalls, zlib,
        // checksummed frames, group commit (many writers, one sync) and the small journals
        // beside the log.
        .target(
            name: "MusterStorage",
            dependencies: ["CZlib", "CMusterSystem"],
            swiftSettings: swiftSettings
        ),
        // The write-ahead log of events on that storage: their encoding, segments, recovery,
        // snapshots, backups, and the engine recovered from them.
        .target(
            name: "MusterLog",
            dependencies: ["MusterDomain", "MusterEngine", "MusterStorage"],
            swiftSettings: swiftSettings
        ),
        // Several nodes over PostgreSQL: the log, snapshots, cursors and the leader's lease in
        // the database, followers that tail it, and the epoch that fences a deposed leader.
        .target(
            name: "MusterCluster",
            dependencies: [
                "MusterDomain", "MusterEngine", "MusterLog", "MusterStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // System calls Swift's Glibc module does not expose (syncfs).
        .target(name: "CMusterSystem"),
        // JSON read and written straight from and to bytes: the API's bodies, the feed's events.
        .target(
            name: "MusterJSON",
            dependencies: ["MusterDomain"],
            swiftSettings: swiftSettings
        ),
        // The words people read, per language: the message catalogue the emails, the link
        // pages and the console share.
        .target(
            name: "MusterWords",
            dependencies: ["MusterDomain"],
            swiftSettings: swiftSettings
        ),
        // What follows the durable log: the email outbox with its file and SMTP transports, and
        // webhook delivery. It depends on the log, not on HTTP serving.
        .target(
            name: "MusterDelivery",
            dependencies: [
                "MusterDomain", "MusterSecurity", "MusterEngine", "MusterLog", "MusterStorage", "MusterJSON", "MusterWords", "CMusterSystem",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // The pages people open in a browser: the link pages and the operator console,
        // server-rendered with Mustache.
        .target(
            name: "MusterWeb",
            dependencies: [
                "MusterDomain", "MusterSecurity", "MusterEngine", "MusterDelivery", "MusterWords",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API on Hummingbird 2: authentication, problem+json errors, idempotency and
        // the background services.
        .target(
            name: "MusterServer",
            dependencies: [
                "MusterDomain", "MusterSecurity", "MusterEngine", "MusterLog", "MusterStorage", "MusterJSON", "MusterDelivery", "MusterWeb",
                "MusterCluster",
                "CMusterSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            swiftSettings: swiftSettings
        ),
        // A Swift client of the HTTP API, generated from the OpenAPI document the server serves
        // (scripts/generate-client) and committed; bring any transport of swift-openapi-runtime.
        .target(
            name: "MusterClient",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["openapi.json", "openapi-generator-config.yaml"],
            swiftSettings: swiftSettings
        ),
        // Shared by the test suites: workloads that touch every event, a file system that loses
        // power.
        .target(
            name: "MusterTestSupport",
            dependencies: ["MusterDomain", "MusterEngine", "MusterLog", "MusterStorage"],
            swiftSettings: swiftSettings
        ),
        // The `muster` command: the server and the data-folder tools.
        .executableTarget(
            name: "MusterCLI",
            dependencies: [
                "MusterDomain", "MusterEngine", "MusterLog", "MusterStorage", "MusterServer", "MusterCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Runs the durable engine in a child process for the SIGKILL crash test.
        .executableTarget(
            name: "MusterCrashDriver",
            dependencies: ["MusterDomain", "MusterEngine", "MusterLog", "MusterSecurity"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterDomainTests",
            dependencies: ["MusterDomain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterSecurityTests",
            dependencies: ["MusterSecurity"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterEngineTests",
            dependencies: ["MusterEngine", "MusterDomain", "MusterSecurity", "MusterTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterStorageTests",
            dependencies: ["MusterStorage", "MusterTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterLogTests",
            dependencies: ["MusterLog", "MusterStorage", "MusterEngine", "MusterDomain", "MusterSecurity", "MusterTestSupport", "MusterCrashDriver"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterCLITests",
            // MusterCLI so that the `muster` binary the tests run is built beside them.
            dependencies: [
                "MusterCLI", "MusterLog", "MusterEngine", "MusterDomain", "MusterSecurity", "MusterTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterClusterTests",
            dependencies: [
                "MusterCluster", "MusterLog", "MusterStorage", "MusterEngine", "MusterDomain", "MusterSecurity", "MusterTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterJSONTests",
            dependencies: ["MusterJSON", "MusterDomain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterDeliveryTests",
            dependencies: [
                "MusterDelivery", "MusterWords", "MusterEngine", "MusterDomain", "MusterLog", "MusterStorage", "MusterTestSupport",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterWordsTests",
            dependencies: ["MusterWords", "MusterDomain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MusterServerTests",
            dependencies: [
                "MusterServer", "MusterDelivery", "MusterJSON", "MusterEngine", "MusterDomain", "MusterSecurity", "MusterLog", "MusterStorage",
                "MusterClient", "MusterWeb", "MusterWords",
                "MusterTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            // The SMTP server the tests start (Python's aiosmtpd).
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
