import Foundation
import Testing

@testable import MusterServer

/// The served document checked by an independent OpenAPI 3.1 validator (Python's
/// `openapi-spec-validator`, which `scripts/test` installs), and the validator shown to refuse a
/// broken document, so a pass means something.
@Suite("The OpenAPI document validates")
struct OpenAPIValidationTests {
    /// Runs the validator on `document`; returns its complaint, or `nil` when valid.
    static func validate(_ document: [UInt8]) throws -> String? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("muster-openapi-\(UUID().uuidString).json").path
        try Data(document).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))", path,
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : complaint
    }

    @Test("The served document passes an OpenAPI 3.1 validator, which refuses a document with a broken reference")
    func servedDocumentValidates() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let reply = try await api.get("/openapi.json")
            let complaint = try Self.validate(reply.body)
            #expect(complaint == nil, "\(complaint ?? "")")
            #expect(!(complaint ?? "").contains("No module named"), "install openapi-spec-validator (scripts/test does)")
            let broken = Array(reply.text.replacingOccurrences(of: "\"#/components/schemas/Tenant\"", with: "\"#/components/schemas/Nowhere\"").utf8)
            #expect(try Self.validate(broken) != nil, "the validator refuses a reference to nothing")
        }
    }
}
