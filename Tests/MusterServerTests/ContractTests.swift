import HTTPTypes
import Testing

@testable import MusterJSON
@testable import MusterServer

@Suite("The strict contract: unknown query parameters and wrong methods")
struct ContractTests {
    @Test("An unknown query parameter is a 400 naming it and the ones the route takes, and changes nothing")
    func unknownQueryParameter() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let reply = try await api.get("/v1/orgs/\(org)/members?email=someone@example.org", token: api.admin)
            #expect(reply.status == 400)
            #expect(reply.json["code"]?.string == "unknown_query_parameter")
            #expect(reply.text.contains("`email`") && reply.text.contains("`include_removed`"), "\(reply.text)")
            let typo = try await api.post("/v1/orgs/\(org)/tenants?dry_run=true", token: api.admin, #"{"name": "Jo"}"#)
            #expect(typo.status == 400)
            let tenants = try await api.get("/v1/orgs/\(org)/tenants", token: api.admin)
            #expect(tenants.json["items"] == .array([]), "the refused POST created nothing")
            #expect(try await api.get("/v1/orgs/\(org)/invitations?status=pending&limit=5", token: api.admin).status == 200, "documented ones pass")
            let none = try await api.get("/healthz?verbose=1")
            #expect(none.status == 400 && none.text.contains("takes no query parameters"))
        }
    }

    @Test("A known path with a wrong method is 405 with Allow; an unknown path stays 404")
    func wrongMethod() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let reply = try await api.call(.delete, "/v1/orgs/\(org)/tenants", token: api.admin)
            #expect(reply.status == 405)
            #expect(reply.headers[.allow] == "POST, GET")
            #expect(reply.json["code"]?.string == "method_not_allowed")
            #expect(try await api.call(.put, "/v1/orgs/\(org)/access/check", token: api.admin).headers[.allow] == "POST")
            let batch = try await api.get("/v1/orgs/\(org)/invitations/batch", token: api.admin)
            #expect(batch.status == 405 && batch.headers[.allow] == "POST", "the literal route, not …/invitations/{id}")
            #expect(try await api.call(.delete, "/v1/orgs/\(org)/invitations/\(org)", token: api.admin).headers[.allow] == "GET")
            let missing = try await api.get("/v1/orgs/\(org)/nothing-here", token: api.admin)
            #expect(missing.status == 404)
        }
    }
}
