import MusterDomain
import Testing

@Suite struct IdentifierTests {
    @Test func theCanonicalTextRoundTripsInEitherCaseAndFromASubstring() {
        let id = UserID.timeOrdered()
        #expect(UserID(id.description) == id)
        #expect(UserID(id.description.uppercased()) == id)
        let padded = "[\(id)]"
        #expect(UserID(padded.dropFirst().dropLast()) == id, "a substring parses the same")
        #expect(UserID("3f2b8c1e-1d2a-4f6b-9c3d-2a1b0c9d8e7f")?.description == "3f2b8c1e-1d2a-4f6b-9c3d-2a1b0c9d8e7f")
    }

    @Test(arguments: [
        "", "nope", "3f2b8c1e-1d2a-4f6b-9c3d-2a1b0c9d8e7", "3f2b8c1e-1d2a-4f6b-9c3d-2a1b0c9d8e7f0", "3f2b8c1e11d2a-4f6b-9c3d-2a1b0c9d8e7f",
        "3f2b8c1e-1d2a-4f6b-9c3d-2a1b0c9d8e7g", "3f2b8c1e-1d2a-4f6b-9c3d-2a1b0c9d8e7é", "{3f2b8c1e-1d2a-4f6b-9c3d-2a1b0c9d8e}",
    ])
    func anythingButThatFormIsRefused(_ text: String) {
        #expect(UserID(text) == nil, "\(text)")
    }
}
