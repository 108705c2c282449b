// swift-tools-version:6.1
// Builds swift-openapi-generator's command, which scripts/generate-client runs to turn the
// server's OpenAPI document into Sources/MusterClient/Generated. Not part of the product: the
// generated code is committed, so neither users nor CI build the generator.

import PackageDescription

let package = Package(
    name: "ClientGenerator",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3")
    ]
)
