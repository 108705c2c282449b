import Foundation
import HTTPTypes
import MusterDomain
import MusterEngine
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

@Suite("Idempotency keys")
struct IdempotencyTests {
    @Test("A retry with the same key returns the first answer and applies the change once")
    func retryReturnsTheFirstAnswer() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let body = #"{"email": "once@example.org", "role": "viewer"}"#
            let first = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, body, headers: ["Idempotency-Key": "k-1"])
            let retry = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, body, headers: ["Idempotency-Key": "k-1"])
            #expect(first.status == 201)
            #expect(retry.status == 201)
            #expect(retry.body == first.body)
            #expect(retry.headers[.location] == first.headers[.location])
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await api.get("/v1/orgs/\(org)/invitations", token: api.admin).json["items"]?.array.count == 1)
            for _ in 0..<3 { await fixture.parts.outboxService.deliverDue() }
            #expect(fixture.transport.delivered.filter { $0.to == "once@example.org" }.count == 1, "one email, not two")

            let reused = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "other@example.org", "role": "viewer"}"#,
                headers: ["Idempotency-Key": "k-1"]
            )
            #expect(reused.status == 422)
            #expect(reused.code == "idempotency_key_reused")
            #expect(try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, body, headers: ["Idempotency-Key": ""]).status == 400)
            // Keys belong to their caller: another caller's same key is a new request.
            let key = try await api.apiKey(org)
            let theirs = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: key,
                #"{"email": "theirs@example.org", "role": "viewer"}"#,
                headers: ["Idempotency-Key": "k-1"]
            )
            #expect(theirs.status == 201)
        }
    }

    @Test("A refused request releases its key, so a corrected retry can run")
    func refusalsAreNotKept() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let refused = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "x@example.org", "role": "emperor"}"#,
                headers: ["Idempotency-Key": "k-2"]
            )
            #expect(refused.status == 422)
            let again = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "x@example.org", "role": "emperor"}"#,
                headers: ["Idempotency-Key": "k-2"]
            )
            #expect(again.status == 422)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
        }
    }

    /// The attack: an anonymous caller replays the first answer of a public route — a working
    /// session — with nothing but its idempotency key.
    @Test("Public routes ignore Idempotency-Key, so a used link never yields a session twice")
    func publicRoutesNeverReplaySessions() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "ann@example.org", "role": "viewer"}"#)
            let token = try await api.linkToken(to: "ann@example.org")
            let body = #"{"token": "\#(token)"}"#
            let first = try await api.post("/v1/invitations/accept", body, headers: ["Idempotency-Key": "accept-1"])
            #expect(first.status == 200 && first.json["session_token"]?.string != nil)
            let replay = try await api.post("/v1/invitations/accept", body, headers: ["Idempotency-Key": "accept-1"])
            #expect(replay.status == 410)
            #expect(replay.code == "invitation_already_accepted")
            #expect(replay.json["session_token"] == nil)
        }
    }

    @Test("An answer that showed a secret is never replayed: the retry names the record it created")
    func secretsAreNeverReplayed() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let body = #"{"name": "backend", "role": "viewer"}"#
            let first = try await api.post("/v1/orgs/\(org)/api-keys", token: api.admin, body, headers: ["Idempotency-Key": "key-1"])
            let keyID = try #require(first.json["id"]?.string)
            #expect(first.json["secret"]?.string != nil)
            let retry = try await api.post("/v1/orgs/\(org)/api-keys", token: api.admin, body, headers: ["Idempotency-Key": "key-1"])
            #expect(retry.status == 409)
            #expect(retry.code == "idempotency_secret_not_replayed")
            #expect(retry.json["existing_record"]?.string == keyID)
            #expect(!retry.text.contains("mka_"), "the secret is not in the retry's answer")
        }
    }

    @Test("Idempotency is checked after authentication: an anonymous request with a malformed key is 401")
    func anonymousKeysAre401() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let reply = try await api.post(
                "/v1/orgs/\(org)/invitations",
                #"{"email": "x@example.org", "role": "viewer"}"#,
                headers: ["Idempotency-Key": ""]
            )
            #expect(reply.status == 401)
        }
    }
}
