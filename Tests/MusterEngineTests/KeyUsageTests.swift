import MusterDomain
import MusterEngine
import Testing

@Suite("API keys' last use")
struct KeyUsageTests {
    @Test("A key's use is noted to the minute, once a minute, and only when the key was accepted")
    func usesAreNotedOnceAMinuteAndOnlyWhenAccepted() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let issued = try await fixture.engine.createAPIKey(org: orgID, name: "backend", role: .caseworker, by: admin)
        let keyID = issued.key.id
        #expect(try await fixture.engine.apiKeys(org: orgID, by: admin).first?.lastUsedAt == nil)

        // Start at the top of a minute, so two uses 5 s apart fall in one.
        fixture.clock.advance(by: Span(milliseconds: 60_000 - fixture.clock.now().millisecondsSinceEpoch % 60_000))
        let first = fixture.clock.now()
        _ = try await fixture.engine.authenticateAPIKey(issued.secret)
        let version = fixture.engine.keyUsage.entries.version
        fixture.clock.advance(by: .seconds(5))
        _ = try await fixture.engine.authenticateAPIKey(issued.secret)
        #expect(fixture.engine.keyUsage.entries.version == version, "noted at most once a minute")
        #expect(try await fixture.engine.apiKeys(org: orgID, by: admin).first?.lastUsedAt == first)

        fixture.clock.advance(by: .minutes(2))
        let later = fixture.clock.now()
        _ = try await fixture.engine.authenticateAPIKey(issued.secret)
        #expect(fixture.engine.keyUsage.lastUsed(keyID) == later)

        // A guess at the secret, or the key once revoked, is no use of it.
        fixture.clock.advance(by: .minutes(2))
        let forged = String(issued.secret.dropLast(4)) + "AAAA"
        await #expect(throws: DomainError.self) { try await fixture.engine.authenticateAPIKey(forged) }
        _ = try await fixture.engine.revokeAPIKey(org: orgID, id: keyID, by: admin)
        await #expect(throws: DomainError.self) { try await fixture.engine.authenticateAPIKey(issued.secret) }
        #expect(fixture.engine.keyUsage.lastUsed(keyID) == later)
    }

    @Test("The ledger keeps the latest use whatever order uses arrive in")
    func theLedgerKeepsTheLatestUse() {
        let ledger = KeyUsageLedger()
        let keyID = APIKeyID.random()
        ledger.note(keyID, at: Timestamp(millisecondsSinceEpoch: 2_000))
        ledger.merge([keyID: Timestamp(millisecondsSinceEpoch: 1_000)])
        #expect(ledger.lastUsed(keyID) == Timestamp(millisecondsSinceEpoch: 2_000))
        ledger.merge([keyID: Timestamp(millisecondsSinceEpoch: 3_000)])
        #expect(ledger.lastUsed(keyID) == Timestamp(millisecondsSinceEpoch: 3_000))
    }
}
