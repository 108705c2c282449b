// swift-tools-version:6.1
// The benchmark harness: a package of its own, so the main package's `swift test` never builds it.

import PackageDescription

// A path dependency is identified by its folder's name, which differs between clones.
let muster = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "muster").lowercased()

let package = Package(
    name: "muster-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
    ],
    targets: [
        // Microbenchmarks of the engine's parts (`swift package benchmark`): wall clock and
        // allocations per decide+apply, codec, log append, snapshot and caseload lookup.
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MusterDomain", package: muster),
                .product(name: "MusterEngine", package: muster),
                .product(name: "MusterLog", package: muster),
                .product(name: "MusterStorage", package: muster),
                .product(name: "MusterSecurity", package: muster),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // glibc's count of the heap in use, for the memory census.
        .target(name: "CHeapCount"),
        // The engine end to end, the large data generator and the recovery timer.
        .executableTarget(
            name: "MusterMeasure",
            dependencies: [
                "CHeapCount",
                .product(name: "MusterDomain", package: muster),
                .product(name: "MusterEngine", package: muster),
                .product(name: "MusterLog", package: muster),
                .product(name: "MusterStorage", package: muster),
                .product(name: "MusterSecurity", package: muster),
            ]
        ),
        // The HTTP load generator: many keep-alive connections, answers checked, latency in an
        // HdrHistogram.
        .executableTarget(
            name: "MusterLoad",
            dependencies: [
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The HTTP stack's own ceiling: one hello-world Hummingbird route.
        .executableTarget(
            name: "HelloServer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
    ]
)
