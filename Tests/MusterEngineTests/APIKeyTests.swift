import MusterDomain
import MusterEngine
import Testing

@Suite struct APIKeyTests {
    @Test func anAPIKeyActsInItsOwnOrgOnlyAndStopsAtRevocation() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let (otherOrg, _) = try await fixture.org("Other")
        let issued = try await fixture.engine.createAPIKey(org: orgID, name: "backend", role: .siteAdmin, by: admin)
        #expect(issued.key.secretDigest != .init(word0: 0, word1: 0))
        let principal = try await fixture.engine.authenticate(bearer: issued.secret)
        #expect(principal == .apiKey(issued.key.id))
        _ = try await fixture.engine.invite(org: orgID, email: fixture.email("via-key@example.org"), role: .viewer, method: .email, by: principal)
        await expectRefusal(.notFound) {
            try await fixture.engine.invite(org: otherOrg, email: fixture.email("x@example.org"), role: .viewer, method: .email, by: principal)
        }
        var altered = Array(issued.secret)
        altered[altered.count - 1] = altered.last == "A" ? "B" : "A"
        await expectRefusal(.sessionInvalid) { try await fixture.engine.authenticate(bearer: String(altered)) }
        _ = try await fixture.engine.revokeAPIKey(org: orgID, id: issued.key.id, by: admin)
        await expectRefusal(.apiKeyRevoked) { try await fixture.engine.authenticate(bearer: issued.secret) }
    }
}
