import Foundation
import HTTPTypes
import MusterDomain
import Testing

@testable import MusterJSON
@testable import MusterServer

@Suite("The access check for other services, over HTTP")
struct AccessCheckRoutesTests {
    /// The user id behind a session.
    static func userID(_ api: API, _ session: String) async throws -> String {
        try #require(try await api.get("/v1/me", token: session).json["user"]?["id"]?.string)
    }

    @Test("A backend's check follows the collaborator's mode, and an ended assignment is refused on the very next call")
    func checkFollowsTheStateOnTheNextCall() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            let key = try await api.apiKey(org, role: "org_admin")
            let (session, row) = try await api.collaborator(org, tenant: tenant, "officer@example.org", mode: "context_only")
            let user = try await Self.userID(api, session)
            func check(_ action: String) async throws -> Reply {
                try await api.post(
                    "/v1/orgs/\(org)/access/check",
                    token: key,
                    #"{"user_id":"\#(user)","tenant_id":"\#(tenant)","action":"\#(action)"}"#
                )
            }
            let read = try await check("read_goals")
            #expect(read.status == 200, "\(read.text)")
            #expect(read.json["allowed"]?.bool == true && read.json["reason"]?.string == "mode" && read.json["mode"]?.string == "context_only")
            let asOf = try #require(read.json["as_of"]?.int)
            let write = try await check("write_goals")
            #expect(write.json["allowed"]?.bool == false && write.json["reason"]?.string == "mode_does_not_allow")

            #expect(try await api.post("/v1/orgs/\(org)/tenants/\(tenant)/collaborators/\(row)/end", token: api.admin).status == 200)
            let after = try await check("read_goals")
            #expect(after.json["allowed"]?.bool == false && after.json["reason"]?.string == "assignment_ended")
            #expect(try #require(after.json["as_of"]?.int) > asOf, "the answer reflects the end")
        }
    }

    @Test("A write answers with Muster-Position; a check passing it as at_least reflects the write; a position the log never reached is refused")
    func consistencyTokens() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            let key = try await api.apiKey(org, role: "org_admin")
            let (session, row) = try await api.collaborator(org, tenant: tenant, "officer@example.org", mode: "full")
            let user = try await Self.userID(api, session)
            let ended = try await api.post("/v1/orgs/\(org)/tenants/\(tenant)/collaborators/\(row)/end", token: api.admin)
            let token = try #require(ended.headers[HTTPField.Name("Muster-Position")!].flatMap { Int($0) }, "a change answers with its position")
            let body = #"{"user_id":"\#(user)","tenant_id":"\#(tenant)","action":"read_goals","at_least":\#(token)}"#
            let check = try await api.post("/v1/orgs/\(org)/access/check", token: key, body)
            #expect(check.status == 200, "\(check.text)")
            #expect(check.json["allowed"]?.bool == false && check.json["reason"]?.string == "assignment_ended")
            #expect(try #require(check.json["as_of"]?.int) >= token)
            #expect(check.headers[HTTPField.Name("Muster-Position")!] == nil, "a question changes nothing and hands out no token")
            let tenants = try await api.get("/v1/orgs/\(org)/users/\(user)/tenants?at_least=\(token)", token: key)
            #expect(tenants.status == 200 && tenants.json["items"]?.array.isEmpty == true, "\(tenants.text)")

            let beyond = #"{"user_id":"\#(user)","tenant_id":"\#(tenant)","action":"read_goals","at_least":\#(token + 1_000_000)}"#
            let refused = try await api.post("/v1/orgs/\(org)/access/check", token: key, beyond)
            #expect(refused.status == 422 && refused.text.contains("beyond the log's end"), "\(refused.text)")
            for bad in ["-1", "\"12\"", "1.5"] {
                let reply = try await api.post(
                    "/v1/orgs/\(org)/access/check/batch",
                    token: key,
                    #"{"checks":[{"user_id":"\#(user)","tenant_id":"\#(tenant)","action":"read_goals"}],"at_least":\#(bad)}"#
                )
                #expect(reply.status == 422, "\(bad): \(reply.text)")
            }
            #expect(try await api.get("/v1/orgs/\(org)/users/\(user)/tenants?at_least=soon", token: key).status == 400)
            #expect(try await api.get("/v1/orgs/\(org)/users/\(user)/tenants?at_least=\(token + 1_000_000)", token: key).status == 422)
        }
    }

    @Test("A batch answers every check in order from one state; one malformed check refuses the whole batch")
    func batch() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            let (session, _) = try await api.collaborator(org, tenant: tenant, "sam@example.org", mode: "full")
            let worker = try await Self.userID(api, session)
            let (_, viewer) = try await api.member(org, "viewer@example.org", role: "viewer")
            let stranger = UserID.random()
            let checks = [
                (worker, "write_shared_notes"), (worker, "read_professional_notes"), (viewer, "read_documents"), (viewer, "write_documents"),
                ("\(stranger)", "view_tenant"),
            ]
            let body =
                #"{"checks":["# + checks.map { #"{"user_id":"\#($0.0)","tenant_id":"\#(tenant)","action":"\#($0.1)"}"# }.joined(separator: ",") + "]}"
            let reply = try await api.post("/v1/orgs/\(org)/access/check/batch", token: api.admin, body)
            #expect(reply.status == 200, "\(reply.text)")
            guard case .array(let results)? = reply.json["results"] else { return }
            #expect(results.map { $0["allowed"]?.bool } == [true, false, true, false, false])
            #expect(results.map { $0["reason"]?.string } == ["mode", "mode_does_not_allow", "role", "role_does_not_allow", "no_access"])
            #expect(results[2]["role"]?.string == "viewer")
            #expect(reply.json["as_of"]?.int != nil)

            let bad = body.replacingOccurrences(of: "view_tenant", with: "peek")
            let refused = try await api.post("/v1/orgs/\(org)/access/check/batch", token: api.admin, bad)
            #expect(refused.status == 422 && refused.text.contains("checks[4].action") && refused.text.contains("view_tenant"))
            let tooMany =
                #"{"checks":["#
                + Array(repeating: #"{"user_id":"\#(worker)","tenant_id":"\#(tenant)","action":"view_tenant"}"#, count: 1001).joined(separator: ",")
                + "]}"
            #expect(try await api.post("/v1/orgs/\(org)/access/check/batch", token: api.admin, tooMany).status == 422)
            #expect(try await api.post("/v1/orgs/\(org)/access/check/batch", token: api.admin, #"{"checks":[]}"#).status == 422)
        }
    }

    @Test("Bad input is refused with the field named: missing, not a UUID, unknown action, unknown field")
    func badInput() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            let user = UserID.random()
            let cases: [(String, String)] = [
                (#"{"tenant_id":"\#(tenant)","action":"read_goals"}"#, "user_id"),
                (#"{"user_id":"nope","tenant_id":"\#(tenant)","action":"read_goals"}"#, "user_id"),
                (#"{"user_id":"\#(user)","tenant_id":"\#(tenant)","action":"read_everything"}"#, "action"),
                (#"{"user_id":"\#(user)","tenant_id":"\#(tenant)","action":"read_goals","as":"admin"}"#, "as"),
            ]
            for (body, field) in cases {
                let reply = try await api.post("/v1/orgs/\(org)/access/check", token: api.admin, body)
                #expect(reply.status == 422 && reply.text.contains("`\(field)`"), "\(body): \(reply.text)")
            }
        }
    }

    /// The attacker: a caseworker, a collaborator, another org's admin and a key of another
    /// org all try to learn who may see which case.
    @Test("Only staff who may see members ask; collaborators and other orgs' admins and keys are refused, outsiders as if the org did not exist")
    func whoMayAsk() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let other = try await api.org("Elsewhere")
            let tenant = try await api.tenant(org)
            let (collaborator, _) = try await api.collaborator(org, tenant: tenant, "sam@example.org")
            let user = try await Self.userID(api, collaborator)
            let body = #"{"user_id":"\#(user)","tenant_id":"\#(tenant)","action":"read_goals"}"#
            let callers: [(String, Token, Int)] = [
                ("org API key (org_admin)", try await api.apiKey(org), 200),
                ("site admin", try await api.member(org, "site@example.org", role: "site_admin").token, 200),
                ("caseworker", try await api.member(org, "cw@example.org", role: "caseworker").token, 403),
                ("viewer API key", try await api.apiKey(org, role: "viewer"), 403),
                ("the collaborator", collaborator, 404),
                ("another org's admin", try await api.member(other, "admin@elsewhere.org", role: "org_admin").token, 404),
                ("another org's key", try await api.apiKey(other), 404),
            ]
            for (who, token, status) in callers {
                #expect(try await api.post("/v1/orgs/\(org)/access/check", token: token, body).status == status, "\(who)")
                #expect(try await api.get("/v1/orgs/\(org)/users/\(user)/tenants", token: token).status == status, "\(who)")
            }
            #expect(try await api.post("/v1/orgs/\(org)/access/check", body).status == 401)
        }
    }

    @Test("A person's tenants: every tenant for a member with their role, only active assignments for a collaborator, paged")
    func visibleTenants() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let first = try await api.tenant(org, "First")
            let second = try await api.tenant(org, "Second")
            let (session, row) = try await api.collaborator(org, tenant: first, "sam@example.org")
            _ = try await api.collaborator(org, tenant: second, "sam@example.org", mode: "context_only")
            let user = try await Self.userID(api, session)
            let path = "/v1/orgs/\(org)/users/\(user)/tenants"
            let page = try await api.get(path + "?limit=1", token: api.admin)
            #expect(page.status == 200, "\(page.text)")
            #expect(page.json["items"]?[0]?["tenant_id"]?.string == first && page.json["items"]?[0]?["mode"]?.string == "full")
            let cursor = try #require(page.json["next_cursor"]?.string)
            let rest = try await api.get(path + "?limit=1&cursor=\(cursor)", token: api.admin)
            #expect(rest.json["items"]?[0]?["tenant_id"]?.string == second && rest.json["items"]?[0]?["mode"]?.string == "context_only")
            #expect(try await api.post("/v1/orgs/\(org)/tenants/\(first)/collaborators/\(row)/end", token: api.admin).status == 200)
            let after = try await api.get(path, token: api.admin)
            guard case .array(let items)? = after.json["items"] else { return }
            #expect(items.map { $0["tenant_id"]?.string } == [second], "the ended assignment is gone on the next call")

            let (_, viewer) = try await api.member(org, "viewer@example.org", role: "viewer")
            let staff = try await api.get("/v1/orgs/\(org)/users/\(viewer)/tenants", token: api.admin)
            guard case .array(let all)? = staff.json["items"] else { return }
            #expect(all.count == 2 && all.allSatisfy { $0["role"]?.string == "viewer" })
            #expect(try await api.get("/v1/orgs/\(org)/users/not-a-uuid/tenants", token: api.admin).status == 400)
        }
    }
}
