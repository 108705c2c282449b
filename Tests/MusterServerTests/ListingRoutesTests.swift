import HTTPTypes
import MusterDomain
import MusterEngine
import Testing

@testable import MusterJSON
@testable import MusterServer

@Suite("Listing and search: organisations, the role catalog, API keys, one tenant, member filters")
struct ListingRoutesTests {
    /// The ids of a list answer's `items`, by `field`.
    static func ids(_ reply: Reply, _ field: String = "id") -> [String] {
        guard case .array(let items)? = reply.json["items"] else { return [] }
        return items.compactMap { $0[field]?.string }
    }

    @Test("The platform admin lists organisations oldest first, by name search and page; nobody else may")
    func organisations() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            // Oldest first: orgs made in the same millisecond would list in id order.
            let riverside = try await api.org("Riverside Housing")
            fixture.clock.advance(by: .seconds(1))
            let hillside = try await api.org("Hillside Support")
            fixture.clock.advance(by: .seconds(1))
            let moor = try await api.org("Moor Housing Trust")
            #expect(Self.ids(try await api.get("/v1/orgs", token: api.admin)) == [riverside, hillside, moor])
            #expect(Self.ids(try await api.get("/v1/orgs?q=HOUSING", token: api.admin)) == [riverside, moor])
            let first = try await api.get("/v1/orgs?limit=2", token: api.admin)
            #expect(Self.ids(first) == [riverside, hillside])
            let cursor = try #require(first.json["next_cursor"]?.string)
            #expect(Self.ids(try await api.get("/v1/orgs?limit=2&cursor=\(cursor)", token: api.admin)) == [moor])
            let (orgAdmin, _) = try await api.member(riverside, "ann@example.org", role: "org_admin")
            #expect(try await api.get("/v1/orgs", token: orgAdmin).status == 403, "an org admin's authority ends at the org")
            #expect(try await api.get("/v1/orgs", token: try await api.apiKey(riverside)).status == 403)
            #expect(try await api.get("/v1/orgs").status == 401)
            #expect(try await api.get("/v1/orgs?limit=0", token: api.admin).status == 400)
        }
    }

    /// A browser's GET form sends a space as `+`: every query value is read as a form sends it,
    /// percent escapes decoded and `+` a space, while an escaped `%2B` stays a plus.
    @Test("A `+` in a query is a space and `%2B` a plus, in every filter: ?q=Riverside+Housing finds Riverside Housing")
    func plusInAQueryIsASpace() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let riverside = try await api.org("Riverside Housing")
            _ = try await api.org("Riverside")
            #expect(Self.ids(try await api.get("/v1/orgs?q=Riverside+Housing", token: api.admin)) == [riverside])
            #expect(Self.ids(try await api.get("/v1/orgs?q=Riverside%20Housing", token: api.admin)) == [riverside])
            #expect(Self.ids(try await api.get("/v1/orgs?q=riverside+housing&limit=10", token: api.admin)) == [riverside])
            let alex = try await api.tenant(riverside, "Alex Smith")
            _ = try await api.tenant(riverside, "Alex Jones")
            #expect(Self.ids(try await api.get("/v1/orgs/\(riverside)/tenants?q=alex+smith", token: api.admin)) == [alex])
            let (_, plus) = try await api.member(riverside, "ann+case@example.org", role: "viewer")
            let members = "/v1/orgs/\(riverside)/members"
            #expect(Self.ids(try await api.get(members + "?q=ann%2Bcase", token: api.admin), "user_id") == [plus], "an escaped plus is a plus")
            #expect(Self.ids(try await api.get(members + "?q=ann+case", token: api.admin), "user_id").isEmpty, "a bare plus is a space")
            let person = try await api.get("/v1/users?email=ann%2Bcase%40example.org", token: api.admin)
            #expect(person.status == 200 && person.json["user"]?["id"]?.string == plus, "\(person.text)")
        }
    }

    @Test("The role catalog lists the assignable roles with their keys, never a legacy role")
    func roles() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let (viewer, _) = try await api.member(org, "v@example.org", role: "viewer")
            let reply = try await api.get("/v1/roles", token: viewer)
            #expect(reply.status == 200)
            #expect(Self.ids(reply, "role") == ["org_admin", "site_admin", "caseworker", "viewer"])
            #expect(!reply.text.contains("hr_admin") && !reply.text.contains("fm_technician"))
            guard case .array(let items)? = reply.json["items"], case .array(let keys)? = items[2]["permissions"] else { return }
            #expect(keys.compactMap(\.string) == ["collaborators.invite", "collaborators.end", "workspace.professional"])
            #expect(try await api.get("/v1/roles").status == 401)
        }
    }

    @Test("API keys are listed with name, role and revocation, never a secret; only for those who may create keys")
    func apiKeys() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let first = try await api.post("/v1/orgs/\(org)/api-keys", token: api.admin, #"{"name": "backend", "role": "caseworker"}"#)
            let second = try await api.post("/v1/orgs/\(org)/api-keys", token: api.admin, #"{"name": "reports", "role": "viewer"}"#)
            let firstID = try #require(first.json["id"]?.string)
            let secret = try #require(first.json["secret"]?.string)
            #expect(try await api.post("/v1/orgs/\(org)/api-keys/\(firstID)/revoke", token: api.admin).status == 200)
            let list = try await api.get("/v1/orgs/\(org)/api-keys", token: api.admin)
            #expect(list.status == 200)
            #expect(Self.ids(list) == [firstID, try #require(second.json["id"]?.string)])
            #expect(list.json["items"]?[0]?["revoked_at"]?.string != nil && list.json["items"]?[1]?["role"]?.string == "viewer")
            #expect(!list.text.contains("secret") && !list.text.contains(secret), "a secret is shown once, at creation")
            let (caseworker, _) = try await api.member(org, "cw@example.org", role: "caseworker")
            #expect(try await api.get("/v1/orgs/\(org)/api-keys", token: caseworker).status == 403)
            let other = try await api.org("Elsewhere")
            let (otherAdmin, _) = try await api.member(other, "admin@elsewhere.org", role: "org_admin")
            #expect(try await api.get("/v1/orgs/\(org)/api-keys", token: otherAdmin).status == 404)
        }
    }

    @Test("One tenant answers staff and its own collaborators; everyone else is told it does not exist; the list searches name and reference")
    func tenants() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let jo = try await api.tenant(org, "Jo Tenant")
            let alex = try #require(
                try await api.post("/v1/orgs/\(org)/tenants", token: api.admin, #"{"name": "Alex Smith", "reference": "HSG-0042"}"#).json["id"]?
                    .string
            )
            let (worker, _) = try await api.collaborator(org, tenant: jo, "sam@example.org")
            let path = "/v1/orgs/\(org)/tenants/"
            #expect(try await api.get(path + jo, token: api.admin).json["name"]?.string == "Jo Tenant")
            let seen = try await api.get(path + jo, token: worker)
            #expect(seen.status == 200 && seen.json["name"]?.string == "Jo Tenant")
            #expect(seen.json["created_by"] == nil && seen.json["reference"] == nil, "a collaborator sees the name, not the org's own fields")
            #expect(try await api.get(path + alex, token: worker).status == 404, "not their case")
            #expect(try await api.get(path + "00000000-0000-4000-8000-000000000000", token: api.admin).status == 404)
            #expect(try await api.get(path + "nope", token: api.admin).status == 400)
            #expect(Self.ids(try await api.get("/v1/orgs/\(org)/tenants?q=hsg-00", token: api.admin)) == [alex])
            #expect(Self.ids(try await api.get("/v1/orgs/\(org)/tenants?q=TENANT", token: api.admin)) == [jo])
        }
    }

    @Test("Members filter by email prefix, role and status; a bad role or status is a 400 naming only assignable roles")
    func memberFilters() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let (_, ann) = try await api.member(org, "ann@example.org", role: "org_admin")
            let (_, andy) = try await api.member(org, "andy@example.org", role: "viewer")
            let (_, bea) = try await api.member(org, "bea@example.org", role: "viewer")
            #expect(try await api.post("/v1/orgs/\(org)/members/\(bea)/remove", token: api.admin).status == 200)
            let members = "/v1/orgs/\(org)/members"
            #expect(Self.ids(try await api.get(members + "?q=AN", token: api.admin), "user_id") == [ann, andy])
            #expect(Self.ids(try await api.get(members + "?role=viewer", token: api.admin), "user_id") == [andy])
            #expect(Self.ids(try await api.get(members + "?role=viewer&status=removed", token: api.admin), "user_id") == [bea])
            let bad = try await api.get(members + "?role=hr_admin", token: api.admin)
            #expect(bad.status == 400 && bad.text.contains("org_admin, site_admin, caseworker, viewer") && !bad.text.contains("fm_technician"))
            #expect(try await api.get(members + "?status=gone", token: api.admin).status == 400)
        }
    }
}
