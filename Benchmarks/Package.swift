// swift-tools-version:6.1
// The benchmark harness: a package of its own, so the main package's `swift test` never builds it.

import PackageDescription

// A path dependency is identified by its folder's name, which differs between clones.
let muster = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "muster").lowercased()

let package = Package(
    name: "muster-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        // Quick end-to-end measurements of the durable engine (issue 3); the full harness
        // (issue 5) joins it here.
        .executableTarget(
            name: "MusterMeasure",
            dependencies: [
                .product(name: "MusterDomain", package: muster),
                .product(name: "MusterEngine", package: muster),
                .product(name: "MusterLog", package: muster),
                .product(name: "MusterSecurity", package: muster),
            ]
        )
    ]
)
