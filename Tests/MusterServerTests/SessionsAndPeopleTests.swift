import HTTPTypes
import MusterDomain
import MusterEngine
import Testing

@testable import MusterJSON
@testable import MusterServer

@Suite("A person's own sessions, and looking a person up across orgs")
struct SessionsAndPeopleTests {
    /// A second session for `email`, through a sign-in link.
    static func signInAgain(_ api: API, _ email: String) async throws -> String {
        let before = api.mailCount(to: email)
        #expect(try await api.post("/v1/auth/magic-link", #"{"email": "\#(email)"}"#).status == 202)
        let verified = try await api.post("/v1/auth/verify", #"{"token": "\#(try await api.linkToken(to: email, after: before))"}"#)
        return try #require(verified.json["session_token"]?.string)
    }

    @Test("A person lists their sessions, sees which is this one, and ends another; it stops working at once")
    func listAndRevoke() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let (laptop, _) = try await api.member(org, "ann@example.org", role: "viewer")
            fixture.clock.advance(by: .seconds(1))
            let phone = try await Self.signInAgain(api, "ann@example.org")
            let list = try await api.get("/v1/me/sessions", token: laptop)
            #expect(list.status == 200)
            guard case .array(let items)? = list.json["items"] else { return }
            #expect(items.count == 2)
            #expect(items.map { $0["current"]?.bool } == [true, false], "oldest first; this one is the laptop's")
            #expect(!list.text.contains(laptop) && !list.text.contains(phone), "no token is ever shown")
            let phoneID = try #require(items[1]["id"]?.string)
            #expect(try await api.post("/v1/me/sessions/\(phoneID)/revoke", token: laptop).status == 204)
            #expect(try await api.get("/v1/me", token: phone).status == 401, "the ended session fails on its next request")
            #expect(try await api.get("/v1/me", token: laptop).status == 200)
            #expect(try await api.post("/v1/me/sessions/\(phoneID)/revoke", token: laptop).status == 404)
            #expect(try await api.post("/v1/me/sessions/not-hex/revoke", token: laptop).status == 400)
            #expect(try await api.get("/v1/me/sessions").status == 401)
        }
    }

    /// The attacker: another person who learnt a session's id tries to end it.
    @Test("Nobody can end another person's session, even knowing its id")
    func cannotRevokeAnothersSession() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let (ann, _) = try await api.member(org, "ann@example.org", role: "org_admin")
            let (mallory, _) = try await api.member(org, "mallory@example.org", role: "viewer")
            let annID = try #require(try await api.get("/v1/me/sessions", token: ann).json["items"]?[0]?["id"]?.string)
            #expect(try await api.post("/v1/me/sessions/\(annID)/revoke", token: mallory).status == 404)
            #expect(try await api.post("/v1/me/sessions/\(annID)/revoke", token: api.admin).status == 403, "the admin token is not a person")
            #expect(try await api.get("/v1/me", token: ann).status == 200, "Ann's session still works")
        }
    }

    @Test("The platform admin looks a person up by email across orgs; nobody else may; bad input is refused")
    func lookUpPerson() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let other = try await api.org("Hillside Support")
            let (_, annID) = try await api.member(org, "ann@example.org", role: "org_admin")
            let tenant = try await api.tenant(other)
            _ = try await api.collaborator(other, tenant: tenant, "ann@example.org", mode: "context_only")
            let reply = try await api.get("/v1/users?email=ANN@example.org", token: api.admin)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["user"]?["id"]?.string == annID)
            #expect(reply.json["memberships"]?[0]?["org_id"]?.string == org)
            #expect(reply.json["assignments"]?[0]?["tenant_id"]?.string == tenant && reply.json["assignments"]?[0]?["mode"]?.string == "context_only")
            let (orgAdmin, _) = try await api.member(org, "boss@example.org", role: "org_admin")
            #expect(try await api.get("/v1/users?email=ann@example.org", token: orgAdmin).status == 403, "an org's authority ends at the org")
            #expect(try await api.get("/v1/users?email=nobody@example.org", token: api.admin).status == 404)
            #expect(try await api.get("/v1/users?email=not-an-email", token: api.admin).status == 400)
            #expect(try await api.get("/v1/users", token: api.admin).status == 400)
        }
    }
}
