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

    /// How many of a table's 65,536 buckets `ids` land in; random hashes fill about 63% of them.
    private static func bucketsFilled(_ ids: [UserID], seed: Int) -> Int {
        Set(ids.map { $0._rawHashValue(seed: seed) & 0xFFFF }).count
    }

    @Test func identifiersMadeInOneMillisecondSpreadOverATablesBucketsAsRandomHashesWould() {
        var generator = SystemRandomNumberGenerator()
        let sameMillisecond = (0..<65_536).map { _ in UserID.timeOrdered(millisecondsSinceEpoch: 1_767_225_600_000, using: &generator) }
        #expect(Self.bucketsFilled(sameMillisecond, seed: 12_345) > 40_000)
        // Halves an attacker might line up: only the high half differs, or only the low one.
        let highOnly = (0..<65_536).map { UserID(high: UInt64($0), low: 0x8000_0000_0000_0000) }
        let lowOnly = (0..<65_536).map { UserID(high: 0x0190_0000_0000_7000, low: UInt64($0)) }
        #expect(Self.bucketsFilled(highOnly, seed: 12_345) > 40_000)
        #expect(Self.bucketsFilled(lowOnly, seed: 12_345) > 40_000)
    }

    @Test func anIdentifiersHashIsItsValuesAndTheTablesSeedDecidesIt() {
        let id = UserID.timeOrdered()
        let same = UserID(high: id.high, low: id.low)
        #expect(id._rawHashValue(seed: 7) == same._rawHashValue(seed: 7) && id.hashValue == same.hashValue)
        #expect(id._rawHashValue(seed: 7) != id._rawHashValue(seed: 8))
        var table = [UserID: Int]()
        for index in 0..<10_000 { table[UserID(high: UInt64(index), low: 0x8000_0000_0000_0000)] = index }
        #expect((0..<10_000).allSatisfy { table[UserID(high: UInt64($0), low: 0x8000_0000_0000_0000)] == $0 })
    }
}
