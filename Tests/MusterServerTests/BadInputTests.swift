import Foundation
import HTTPTypes
import MusterDomain
import MusterEngine
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

@Suite("Bad input gets a clear 4xx and changes nothing")
struct BadInputTests {
    @Test("Malformed JSON, wrong types, missing and unknown fields, wrong media type and oversized bodies are refused")
    func malformedBodies() async throws {
        let fixture = try ServerFixture(maxBodyBytes: 2048)
        try await fixture.run { api in
            let org = try await api.org()
            let path = "/v1/orgs/\(org)/invitations"
            let cases: [(String, Int, String, String)] = [
                (#"{"email": "a@example.org", "role": "viewer""#, 400, "malformed_json", "not valid JSON"),
                (#"[1, 2]"#, 422, "validation_failed", "must be a JSON object"),
                (#"{"email": 42, "role": "viewer"}"#, 422, "validation_failed", "`email` must be a string, not a number"),
                (#"{"role": "viewer"}"#, 422, "validation_failed", "`email` is required"),
                (#"{"email": "a@example.org", "role": "viewer", "colour": "red"}"#, 422, "validation_failed", "unknown field `colour`"),
                (#"{"email": "a@example.org", "role": "emperor"}"#, 422, "validation_failed", "must be one of org_admin"),
                (#"{"email": "not an email", "role": "viewer"}"#, 422, "validation_failed", "`email`"),
                (#"{"email": "a@example.org", "role": "hr_admin"}"#, 422, "role_not_assignable", "cannot be assigned"),
                (
                    "{\"email\": \"a@example.org\", \"role\": \"viewer\", \"pad\": \"\(String(repeating: "x", count: 3000))\"}", 413,
                    "body_too_large",
                    "2048 bytes"
                ),
            ]
            for (body, status, code, words) in cases {
                let reply = try await api.post(path, token: api.admin, body)
                #expect(reply.status == status, "\(body.prefix(60)): \(reply.text)")
                #expect(reply.code == code, "\(body.prefix(60)): \(reply.text)")
                #expect(reply.json["detail"]?.string?.contains(words) == true, "\(reply.text)")
                #expect(reply.headers[.contentType] == "application/problem+json")
            }
            let form = try await api.call(.post, path, token: api.admin, headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(form.status == 415)
            let empty = try await api.call(.post, path, token: api.admin)
            #expect(empty.status == 400)
            // Nothing of the above was applied, and the server still answers.
            let list = try await api.get(path, token: api.admin)
            #expect(list.status == 200)
            #expect(list.json["items"]?.array.isEmpty == true)
        }
    }

    /// The legacy roles survive on old data but are never offered: a refusal of an unknown role
    /// names only the roles that can be given, wherever a role is asked for.
    @Test("An unknown role is a 422 naming only the assignable roles, never hr_admin or fm_technician, on every route that takes a role")
    func unknownRolesNameOnlyAssignableChoices() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let (_, userID) = try await api.member(org, "vic@example.org", role: "viewer")
            let requests: [(HTTPRequest.Method, String, String)] = [
                (.post, "/v1/orgs/\(org)/invitations", #"{"email": "a@example.org", "role": "emperor"}"#),
                (.post, "/v1/orgs/\(org)/invitations/batch", #"{"items": [{"email": "b@example.org", "role": "emperor"}]}"#),
                (.post, "/v1/orgs/\(org)/users", #"{"email": "c@example.org", "role": "emperor"}"#),
                (.patch, "/v1/orgs/\(org)/members/\(userID)", #"{"role": "emperor"}"#),
                (.post, "/v1/orgs/\(org)/api-keys", #"{"name": "ci", "role": "emperor"}"#),
            ]
            for (method, path, body) in requests {
                let reply = try await api.call(method, path, token: api.admin, json: body)
                #expect(reply.text.contains("must be one of org_admin, site_admin, caseworker, viewer;"), "\(path): \(reply.text)")
                #expect(!reply.text.contains("hr_admin") && !reply.text.contains("fm_technician"), "\(path): \(reply.text)")
            }
        }
    }

    @Test("Bad ids in the path are refused with the parameter named; unknown ids are 404")
    func badPathIDs() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let bad = try await api.get("/v1/orgs/not-a-uuid", token: api.admin)
            #expect(bad.status == 400)
            #expect(bad.json["detail"]?.string?.contains("`org`") == true)
            #expect(try await api.get("/v1/orgs/\(UUID().uuidString)", token: api.admin).status == 404)
            #expect(try await api.get("/v1/orgs/\(org)/invitations/\(UUID().uuidString)", token: api.admin).status == 404)
            #expect(try await api.get("/v1/orgs/\(org)/invitations/123", token: api.admin).status == 400)
        }
    }

    @Test("A malformed Authorization header or an unknown token is 401; a public route ignores no credentials")
    func badCredentials() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            for header in ["Basic abc", "Bearer", "Bearer mks_unknown", "Bearer mka_short", "Bearer random-token"] {
                let reply = try await api.call(.get, "/v1/orgs/\(org)", headers: ["Authorization": header])
                #expect(reply.status == 401, "\(header): \(reply.text)")
            }
            #expect(try await api.get("/v1/orgs/\(org)").status == 401)
        }
    }
}
