import Foundation
import HTTPTypes
import MusterDomain
import MusterEngine
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

@Suite("Members, passwords and API keys over HTTP")
struct MemberRoutesTests {
    @Test("A user created with a temporary password must change it before doing anything else")
    func temporaryPasswordFlow() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let created = try await api.post(
                "/v1/orgs/\(org)/users",
                token: api.admin,
                #"{"email": "temp@example.org", "role": "caseworker", "full_name": "Tem Porary"}"#
            )
            #expect(created.status == 201)
            let password = try #require(created.json["temporary_password"]?.string)
            let wrong = try await api.post("/v1/auth/password", #"{"email": "temp@example.org", "password": "nope-nope-nope"}"#)
            let unknown = try await api.post("/v1/auth/password", #"{"email": "nobody@example.org", "password": "nope-nope-nope"}"#)
            #expect(wrong.status == 401)
            #expect(wrong.code == "invalid_credentials")
            #expect(unknown.text == wrong.text, "an unknown email answers exactly like a wrong password")

            let signedIn = try await api.post("/v1/auth/password", #"{"email": "temp@example.org", "password": "\#(password)"}"#)
            let session = try #require(signedIn.json["session_token"]?.string)
            #expect(signedIn.json["user"]?["must_change_password"]?.bool == true)
            let blocked = try await api.get("/v1/orgs/\(org)/tenants", token: session)
            #expect(blocked.status == 403)
            #expect(blocked.code == "password_change_required")
            #expect(try await api.get("/v1/me", token: session).status == 200)
            let changed = try await api.post(
                "/v1/auth/password/change",
                token: session,
                #"{"current_password": "\#(password)", "new_password": "a-much-better-secret-42"}"#
            )
            #expect(changed.status == 200, "\(changed.text)")
            #expect(try await api.get("/v1/me", token: session).status == 401, "changing the password ends every session")
            let fresh = try await api.post("/v1/auth/password", #"{"email": "temp@example.org", "password": "a-much-better-secret-42"}"#).json[
                "session_token"
            ]!
            .string!
            #expect(try await api.get("/v1/orgs/\(org)/tenants", token: fresh).status == 200)
        }
    }

    @Test("Role changes, grants and removal are for org admins, and take effect on the next request")
    func rolesGrantsAndRemoval() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let cast = try await Cast.make(api)
            let viewer = try #require(cast.userIDs[.viewer])
            let path = "/v1/orgs/\(cast.org)/members/\(viewer)"
            try await cast.expectOnly(administrators) { kind, token in
                try await api.call(.patch, path, token: token, json: #"{"role": "\#(kind == .orgAdmin ? "caseworker" : "viewer")"}"#)
            }
            // A single key granted without a role change: the viewer can then invite.
            let viewerToken = try #require(cast.tokens[.viewer])
            #expect(
                try await api.post("/v1/orgs/\(cast.org)/invitations", token: viewerToken, #"{"email": "v1@example.org", "role": "viewer"}"#).status
                    == 403
            )
            let granted = try await api.call(.patch, path, token: api.admin, json: #"{"grant": ["users.invite", "users.view"]}"#)
            #expect(granted.json["grants"]?.array.compactMap(\.string) == ["users.view", "users.invite"])
            #expect(
                try await api.post("/v1/orgs/\(cast.org)/invitations", token: viewerToken, #"{"email": "v1@example.org", "role": "viewer"}"#).status
                    == 201
            )
            let withdrawn = try await api.call(.patch, path, token: api.admin, json: #"{"withdraw": ["users.invite"]}"#)
            #expect(withdrawn.json["grants"]?.array.compactMap(\.string) == ["users.view"])
            #expect(
                try await api.post("/v1/orgs/\(cast.org)/invitations", token: viewerToken, #"{"email": "v2@example.org", "role": "viewer"}"#).status
                    == 403
            )
            #expect(try await api.call(.patch, path, token: api.admin, json: "{}").status == 422)
            #expect(try await api.call(.patch, path, token: api.admin, json: #"{"grant": ["users.fly"]}"#).status == 422)

            let caseworker = try #require(cast.userIDs[.caseworker])
            #expect(try await api.get("/v1/orgs/\(cast.org)/tenants", token: cast.tokens[.caseworker]).status == 200)
            try await cast.expectOnly(administrators) { kind, token in
                let member = try await api.member(cast.org, "removable-\(kind.rawValue.lowercased())@example.org", role: "viewer")
                return try await api.post("/v1/orgs/\(cast.org)/members/\(member.userID)/remove", token: token)
            }
            #expect(try await api.post("/v1/orgs/\(cast.org)/members/\(caseworker)/remove", token: api.admin).status == 200)
            #expect(
                try await api.get("/v1/orgs/\(cast.org)/tenants", token: cast.tokens[.caseworker]).status == 404,
                "removal ends access on the next request"
            )
            let members = try await api.get("/v1/orgs/\(cast.org)/members?include_removed=true", token: api.admin)
            #expect(members.json["items"]?.array.contains { $0["user_id"]?.string == caseworker && $0["status"]?.string == "removed" } == true)
            let active = try await api.get("/v1/orgs/\(cast.org)/members", token: api.admin)
            #expect(active.json["items"]?.array.contains { $0["user_id"]?.string == caseworker } == false)
        }
    }

    @Test("A password reset issues a temporary password and ends the member's sessions")
    func passwordReset() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let cast = try await Cast.make(api)
            try await cast.expectOnly(administrators) { kind, token in
                let created = try await api.post(
                    "/v1/orgs/\(cast.org)/users",
                    token: api.admin,
                    #"{"email": "reset-\#(kind.rawValue.lowercased())@example.org", "role": "viewer"}"#
                )
                let userID = try #require(created.json["member"]?["user_id"]?.string, "\(created.text)")
                return try await api.post("/v1/orgs/\(cast.org)/members/\(userID)/reset-password", token: token)
            }
            let created = try await api.post(
                "/v1/orgs/\(cast.org)/users",
                token: api.admin,
                #"{"email": "direct@example.org", "role": "caseworker"}"#
            )
            let userID = try #require(created.json["member"]?["user_id"]?.string)
            let first = try #require(created.json["temporary_password"]?.string)
            let session = try #require(
                try await api.post("/v1/auth/password", #"{"email": "direct@example.org", "password": "\#(first)"}"#).json["session_token"]?.string
            )
            let reset = try await api.post("/v1/orgs/\(cast.org)/members/\(userID)/reset-password", token: cast.tokens[.orgAdmin])
            let password = try #require(reset.json["temporary_password"]?.string)
            #expect(try await api.get("/v1/me", token: session).status == 401, "the reset ends every session")
            let signedIn = try await api.post("/v1/auth/password", #"{"email": "direct@example.org", "password": "\#(password)"}"#)
            #expect(signedIn.json["user"]?["must_change_password"]?.bool == true)

            // Someone who joined through a link has no password and is given none by an admin.
            let caseworker = try #require(cast.userIDs[.caseworker])
            let refused = try await api.post("/v1/orgs/\(cast.org)/members/\(caseworker)/reset-password", token: cast.tokens[.orgAdmin])
            #expect(refused.status == 403 && refused.code == "password_not_allowed", "\(refused.text)")
            #expect(try await api.get("/v1/me", token: cast.tokens[.caseworker]).status == 200, "the refusal ended nothing")
        }
    }

    @Test("An org cannot take over an account shared with another org by resetting its password")
    func crossOrgTakeover() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let orgA = try await api.org("A Housing")
            let orgB = try await api.org("B Care")
            let adminA = try await api.member(orgA, "admin-a@example.org", role: "org_admin").token
            // Bob: a caseworker created in A with a password, and org admin of B.
            let created = try await api.post("/v1/orgs/\(orgA)/users", token: adminA, #"{"email": "bob@example.org", "role": "caseworker"}"#)
            let bobID = try #require(created.json["member"]?["user_id"]?.string)
            let invite = try await api.post(
                "/v1/orgs/\(orgB)/invitations",
                token: api.admin,
                #"{"email": "bob@example.org", "role": "org_admin", "method": "existing_user"}"#
            )
            #expect(invite.status == 201, "\(invite.text)")
            let token = try await api.linkToken(to: "bob@example.org")
            #expect(try await api.post("/v1/invitations/accept", #"{"token": "\#(token)"}"#).status == 200)

            let attack = try await api.post("/v1/orgs/\(orgA)/members/\(bobID)/reset-password", token: adminA)
            #expect(attack.status == 403)
            #expect(attack.code == "user_shared_across_orgs")
            #expect(attack.text.contains("sign-in link"), "the refusal points to the sign-in-link flow")
            #expect(attack.json["temporary_password"] == nil)
            let byPlatform = try await api.post("/v1/orgs/\(orgA)/members/\(bobID)/reset-password", token: api.admin)
            #expect(byPlatform.status == 200, "the platform admin may")
        }
    }

    /// The attack: org A probes for an account of org B's member by creating a user with their
    /// email; the refusal used to name the person's global user id in `existing_record`.
    @Test("Creating a user whose email has an account elsewhere says only that it exists and to invite them: no global id, nothing of the other org")
    func directCreationNeverRevealsAnotherOrgsAccount() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let orgA = try await api.org("A Housing")
            let orgB = try await api.org("B Care")
            let adminA = try await api.member(orgA, "admin-a@example.org", role: "org_admin")
            let bob = try await api.member(orgB, "bob@example.org", role: "caseworker")

            let probe = try await api.post("/v1/orgs/\(orgA)/users", token: adminA.token, #"{"email": "bob@example.org", "role": "viewer"}"#)
            #expect(probe.status == 409 && probe.code == "user_exists", "\(probe.text)")
            #expect(probe.json["existing_record"] == nil, "\(probe.text)")
            #expect(!probe.text.contains(bob.userID) && !probe.text.contains(orgB) && !probe.text.contains("B Care"), "\(probe.text)")
            #expect(probe.json["detail"]?.string?.contains("invite them") == true, "it points to an invitation instead: \(probe.text)")
            #expect(try await api.get("/v1/orgs/\(orgA)/members?q=bob", token: adminA.token).json["items"]?.array.isEmpty == true)

            // One of A's own members is named by A's own member record.
            let own = try await api.post("/v1/orgs/\(orgA)/users", token: adminA.token, #"{"email": "admin-a@example.org", "role": "viewer"}"#)
            #expect(own.status == 409 && own.code == "already_member", "\(own.text)")
            #expect(own.json["existing_record"]?.string == adminA.userID)

            // Inviting him, one by one or in a batch, names only A's own records too.
            let invited = try await api.post(
                "/v1/orgs/\(orgA)/invitations",
                token: adminA.token,
                #"{"email": "bob@example.org", "role": "viewer", "method": "existing_user"}"#
            )
            #expect(invited.status == 201 && !invited.text.contains(bob.userID), "\(invited.text)")
            let again = try await api.post(
                "/v1/orgs/\(orgA)/invitations/batch",
                token: adminA.token,
                #"{"items": [{"email": "bob@example.org", "role": "viewer"}]}"#
            )
            let error = again.json["results"]?.array.first?["error"]
            #expect(error?["code"]?.string == "invitation_pending", "\(again.text)")
            #expect(error?["existing_record"]?.string == invited.json["id"]?.string, "A's own invitation")
            #expect(!again.text.contains(bob.userID) && !again.text.contains(orgB))
        }
    }

    @Test("An API key is shown once, works for its org only, and stops working the moment it is revoked")
    func apiKeys() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let cast = try await Cast.make(api)
            try await cast.expectOnly([.platformAdmin, .orgAdmin, .apiKey]) { _, token in
                try await api.post("/v1/orgs/\(cast.org)/api-keys", token: token, #"{"name": "ci"}"#)
            }
            let created = try await api.post("/v1/orgs/\(cast.org)/api-keys", token: api.admin, #"{"name": "reporting", "role": "viewer"}"#)
            let secret = try #require(created.json["secret"]?.string)
            let keyID = try #require(created.json["id"]?.string)
            #expect(try await api.get("/v1/orgs/\(cast.org)", token: secret).status == 200)
            #expect(
                try await api.post("/v1/orgs/\(cast.org)/invitations", token: secret, #"{"email": "k@example.org", "role": "viewer"}"#).status == 403,
                "a viewer key cannot invite"
            )
            let elsewhere = try await api.get("/v1/orgs/\(cast.otherOrg)", token: secret)
            let nowhere = try await api.get("/v1/orgs/\(UUID())", token: secret)
            #expect(elsewhere.status == 404 && nowhere.status == 404, "another org's existence is not confirmed")
            #expect(elsewhere.code == nowhere.code)
            #expect(!elsewhere.text.contains("Hillside"), "nor its name told")
            let revoked = try await api.post("/v1/orgs/\(cast.org)/api-keys/\(keyID)/revoke", token: api.admin)
            #expect(revoked.json["revoked_at"]?.string != nil)
            #expect(revoked.json["secret"] == nil, "the secret is never shown again")
            #expect(try await api.get("/v1/orgs/\(cast.org)", token: secret).status == 401)
        }
    }
}
