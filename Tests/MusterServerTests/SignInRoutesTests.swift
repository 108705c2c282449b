import Foundation
import HTTPTypes
import MusterDomain
import MusterEngine
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

@Suite("Sign-in over HTTP")
struct SignInRoutesTests {
    @Test("Asking for a sign-in link answers the same for a known and an unknown email; only the known one gets mail")
    func magicLinkRevealsNothing() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            _ = try await api.member(org, "known@example.org", role: "viewer")
            let known = try await api.post("/v1/auth/magic-link", #"{"email": "known@example.org"}"#)
            let unknown = try await api.post("/v1/auth/magic-link", #"{"email": "stranger@example.org"}"#)
            #expect(known.status == 202)
            #expect(known.status == unknown.status)
            #expect(known.text == unknown.text)
            let token = try await api.linkToken(to: "known@example.org")
            #expect(try await api.mail(to: "known@example.org").kind == "sign_in_link")
            #expect(fixture.transport.delivered.allSatisfy { $0.to != "stranger@example.org" })
            let session = try await api.post("/v1/auth/verify", #"{"token": "\#(token)"}"#)
            #expect(session.status == 200)
            #expect(session.json["method"]?.string == "sign_in_link")
            #expect(try await api.post("/v1/auth/verify", #"{"token": "\#(token)"}"#).code == "token_used")
            #expect(try await api.post("/v1/auth/magic-link", #"{"email": "not-an-email"}"#).status == 422)
        }
    }

    @Test("Sign-out ends the session on the next request; an invitation link is refused by verify")
    func logoutAndLinkPurposes() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let member = try await api.member(org, "out@example.org", role: "viewer")
            #expect(try await api.get("/v1/me", token: member.token).status == 200)
            #expect(try await api.post("/v1/auth/logout", token: member.token).status == 204)
            let after = try await api.get("/v1/me", token: member.token)
            #expect(after.status == 401)
            #expect(try await api.post("/v1/auth/logout").status == 401)
            #expect(try await api.post("/v1/auth/logout", token: api.admin).status == 403, "the admin token is not a session")
            try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "inv@example.org", "role": "viewer"}"#)
            let invitationToken = try await api.linkToken(to: "inv@example.org")
            #expect(try await api.post("/v1/auth/verify", #"{"token": "\#(invitationToken)"}"#).code == "token_invalid")
            #expect(try await api.get("/v1/me", token: api.admin).status == 403)
            #expect(try await api.get("/v1/me/caseload", token: api.admin).status == 403)
        }
    }

    @Test("A session expires after its lifetime")
    func sessionsExpire() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let member = try await api.member(org, "late@example.org", role: "viewer")
            fixture.clock.advance(by: .hours(13))
            let expired = try await api.get("/v1/me", token: member.token)
            #expect(expired.status == 401)
            #expect(expired.code == "session_expired")
        }
    }
}
