import Foundation
import HTTPTypes
import MusterDomain
import MusterEngine
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

@Suite("Invitations over HTTP")
struct InvitationRoutesTests {
    @Test("An invitation goes pending → accepted through the emailed link, and its audit fields say so")
    func invitationLifecycle() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let created = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": " Ada@Example.org ", "role": "caseworker"}"#
            )
            #expect(created.status == 201)
            #expect(created.json["status"]?.string == "pending")
            #expect(created.json["email"]?.string == "ada@example.org")
            #expect(created.json["method"]?.string == "email")
            #expect(created.json["invited_by"]?.string == "platform_admin")
            let id = try #require(created.json["id"]?.string)
            #expect(created.headers[.location] == "/v1/orgs/\(org)/invitations/\(id)")

            let mail = try await api.mail(to: "ada@example.org")
            #expect(mail.text.contains("https://app.example.org/invitations/accept?token=mk1."))
            #expect(mail.rfc5322(from: "Muster <a@b>").contains("\r\nTo: ada@example.org\r\n"))
            let token = try await api.linkToken(to: "ada@example.org")

            // Following the link (GET) shows the invitation and changes nothing.
            for _ in 0..<2 {
                let preview = try await api.get("/v1/invitations/preview?token=\(token)")
                #expect(preview.status == 200)
                #expect(preview.json["valid"]?.bool == true)
                #expect(preview.json["org_name"]?.string == "Riverside Housing")
            }
            #expect(try await api.get("/v1/orgs/\(org)/invitations/\(id)", token: api.admin).json["status"]?.string == "pending")

            let accepted = try await api.post("/v1/invitations/accept", #"{"token": "\#(token)"}"#)
            #expect(accepted.status == 200)
            let session = try #require(accepted.json["session_token"]?.string)
            let me = try await api.get("/v1/me", token: session)
            #expect(me.json["user"]?["email"]?.string == "ada@example.org")
            #expect(me.json["memberships"]?[0]?["role"]?.string == "caseworker")

            let again = try await api.post("/v1/invitations/accept", #"{"token": "\#(token)"}"#)
            #expect(again.status == 410)
            #expect(again.code == "invitation_already_accepted")
            let stored = try await api.get("/v1/orgs/\(org)/invitations/\(id)", token: api.admin)
            #expect(stored.json["status"]?.string == "accepted")
            #expect(stored.json["accepted_by"]?.string == me.json["user"]?["id"]?.string)
            #expect(stored.json["accepted_at"]?.string != nil)
            #expect(try await api.get("/v1/invitations/preview?token=\(token)").json["valid"]?.bool == false)
        }
    }

    @Test("Inviting a pending email or a member is refused with the existing record named")
    func duplicatesNameTheExistingRecord() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let first = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "bo@example.org", "role": "viewer"}"#)
            let pending = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "BO@example.org", "role": "viewer"}"#)
            #expect(pending.status == 409)
            #expect(pending.code == "invitation_pending")
            #expect(pending.json["existing_record"]?.string == first.json["id"]?.string)
            let member = try await api.member(org, "cy@example.org", role: "viewer")
            let already = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "cy@example.org", "role": "viewer"}"#)
            #expect(already.status == 409)
            #expect(already.code == "already_member")
            #expect(already.json["existing_record"]?.string == member.userID)
        }
    }

    @Test("Who may invite, list, revoke and resend follows the role table, in this org only")
    func permissionMatrix() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let cast = try await Cast.make(api)
            let staffWhoInvite: Set<CallerKind> = [.platformAdmin, .orgAdmin, .siteAdmin, .apiKey]
            try await cast.expectOnly(staffWhoInvite) { kind, token in
                try await api.post(
                    "/v1/orgs/\(cast.org)/invitations",
                    token: token,
                    #"{"email": "new-\#(kind.rawValue)@example.org", "role": "viewer"}"#
                )
            }
            try await cast.expectOnly(staffWhoInvite) { _, token in
                try await api.get("/v1/orgs/\(cast.org)/invitations", token: token)
            }
            // Revoke: org admins, the platform admin, and an admin API key (site admins do not).
            try await cast.expectOnly(administrators) { kind, token in
                let invite = try await api.post(
                    "/v1/orgs/\(cast.org)/invitations",
                    token: api.admin,
                    #"{"email": "revoke-\#(kind.rawValue)@example.org", "role": "viewer"}"#
                )
                return try await api.post(
                    "/v1/orgs/\(cast.org)/invitations/\(invite.json["id"]!.string!)/revoke",
                    token: token,
                    #"{"reason": "left"}"#
                )
            }
            // Nobody of this org acts in the other org, nor learns that it exists.
            for kind in [CallerKind.orgAdmin, .apiKey, .siteAdmin] {
                let reply = try await api.post(
                    "/v1/orgs/\(cast.otherOrg)/invitations",
                    token: cast.tokens[kind],
                    #"{"email": "x@example.org", "role": "viewer"}"#
                )
                #expect(reply.status == 404, "\(kind): \(reply.text)")
            }
        }
    }

    @Test("A revoke reason over 500 characters is refused and the invitation stays pending")
    func longReasonRefused() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let id = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "d@example.org", "role": "viewer"}"#).json["id"]!
                .string!
            let long = String(repeating: "x", count: 501)
            let refused = try await api.post("/v1/orgs/\(org)/invitations/\(id)/revoke", token: api.admin, #"{"reason": "\#(long)"}"#)
            #expect(refused.status == 422)
            #expect(refused.code == "reason_too_long")
            #expect(try await api.get("/v1/orgs/\(org)/invitations/\(id)", token: api.admin).json["status"]?.string == "pending")
            let revoked = try await api.post(
                "/v1/orgs/\(org)/invitations/\(id)/revoke",
                token: api.admin,
                #"{"reason": "\#(String(long.dropLast()))"}"#
            )
            #expect(revoked.status == 200)
            #expect(revoked.json["status"]?.string == "revoked")
            #expect(revoked.json["revoked_reason"]?.string?.count == 500)
            let token = try await api.linkToken(to: "d@example.org")
            let accept = try await api.post("/v1/invitations/accept", #"{"token": "\#(token)"}"#)
            #expect(accept.code == "invitation_revoked")
            // Revoking needs no body at all.
            let other = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "e@example.org", "role": "viewer"}"#).json[
                "id"
            ]!
            .string!
            #expect(try await api.call(.post, "/v1/orgs/\(org)/invitations/\(other)/revoke", token: api.admin).status == 200)
        }
    }

    @Test("Resend rotates the link and is limited: 429 with Retry-After inside the cooldown and past 5 a day")
    func resendLimits() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let id = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "f@example.org", "role": "viewer"}"#).json["id"]!
                .string!
            let firstToken = try await api.linkToken(to: "f@example.org")
            // The first resend may follow the invitation at once; the cooldown runs between resends.
            for round in 1...5 {
                let resent = try await api.post("/v1/orgs/\(org)/invitations/\(id)/resend", token: api.admin)
                #expect(resent.status == 200, "\(resent.text)")
                #expect(resent.json["resend_count"]?.int == round)
                if round == 1 {
                    fixture.clock.advance(by: .seconds(59))
                    let early = try await api.post("/v1/orgs/\(org)/invitations/\(id)/resend", token: api.admin)
                    #expect(early.status == 429)
                    #expect(early.code == "resend_cooldown")
                    #expect(early.headers[.retryAfter] == "1")
                }
                fixture.clock.advance(by: .seconds(61))
            }
            fixture.clock.advance(by: .seconds(61))
            let sixth = try await api.post("/v1/orgs/\(org)/invitations/\(id)/resend", token: api.admin)
            #expect(sixth.status == 429)
            #expect(sixth.code == "resend_daily_limit")
            #expect(Int(sixth.headers[.retryAfter] ?? "") ?? 0 > 60)
            let newToken = try await api.linkToken(to: "f@example.org")
            #expect(newToken != firstToken)
            #expect(try await api.post("/v1/invitations/accept", #"{"token": "\#(firstToken)"}"#).code == "token_superseded")
            #expect(try await api.post("/v1/invitations/accept", #"{"token": "\#(newToken)"}"#).status == 200)
        }
    }

    @Test("An accept after expires_at is refused before the sweep runs, and the sweep marks it expired")
    func expiryBeforeAndAfterTheSweep() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let id = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "g@example.org", "role": "viewer"}"#).json["id"]!
                .string!
            let token = try await api.linkToken(to: "g@example.org")
            fixture.clock.advance(by: .days(7))
            fixture.clock.advance(by: .seconds(1))
            let late = try await api.post("/v1/invitations/accept", #"{"token": "\#(token)"}"#)
            #expect(late.status == 410)
            #expect(late.code == "invitation_expired")
            #expect(try await api.get("/v1/orgs/\(org)/invitations/\(id)", token: api.admin).json["status"]?.string == "expired")
            #expect(await fixture.parts.sweep.sweepOnce() == 1)
            let swept = try await api.get("/v1/orgs/\(org)/invitations/\(id)", token: api.admin)
            #expect(swept.json["expired_at"]?.string != nil)
            let audit = try await api.get("/v1/orgs/\(org)/audit?action=user.invitation_expired", token: api.admin)
            #expect(audit.json["items"]?.array.count == 1)
        }
    }

    @Test("Lists filter by status and email and page with an opaque cursor; a made-up cursor is refused")
    func listFiltersAndPages() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            for index in 0..<5 {
                try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "p\#(index)@example.org", "role": "viewer"}"#)
            }
            let revokeID = try await api.get("/v1/orgs/\(org)/invitations?email=P3@example.org", token: api.admin).json["items"]![0]!["id"]!.string!
            try await api.post("/v1/orgs/\(org)/invitations/\(revokeID)/revoke", token: api.admin)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await api.get("/v1/orgs/\(org)/invitations?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: api.admin)
                #expect(page.status == 200)
                #expect(page.json["items"]!.array.count <= 2)
                seen += page.json["items"]!.array.compactMap { $0["email"]?.string }
                cursor = page.json["next_cursor"]?.string
            } while cursor != nil
            #expect(seen == (0..<5).map { "p\($0)@example.org" })
            let revoked = try await api.get("/v1/orgs/\(org)/invitations?status=revoked", token: api.admin)
            #expect(revoked.json["items"]?.array.compactMap { $0["email"]?.string } == ["p3@example.org"])
            for bad in ["status=gone", "limit=0", "limit=1001", "limit=ten", "cursor=abc", "cursor=c1zz.0", "email=not-an-email"] {
                let reply = try await api.get("/v1/orgs/\(org)/invitations?\(bad)", token: api.admin)
                #expect(reply.status == 400, "\(bad): \(reply.text)")
            }
        }
    }

    @Test("A batch of 1,000 invitations answers each item in order; 1,001 is refused whole")
    func batchInvitations() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            var items = (0..<999).map { #"{"email": "bulk\#($0)@example.org", "role": "viewer"}"# }
            items.append(#"{"email": "bulk0@example.org", "role": "viewer"}"#)
            let reply = try await api.post("/v1/orgs/\(org)/invitations/batch", token: api.admin, #"{"items": [\#(items.joined(separator: ","))]}"#)
            #expect(reply.status == 200)
            let results = reply.json["results"]!.array
            #expect(results.count == 1000)
            #expect(reply.json["succeeded"]?.int == 999)
            #expect(reply.json["failed"]?.int == 1)
            #expect(results[998]["result"]?["email"]?.string == "bulk998@example.org")
            #expect(results[999]["status"]?.int == 409)
            #expect(results[999]["error"]?["code"]?.string == "invitation_pending")
            let mixed = try await api.post(
                "/v1/orgs/\(org)/invitations/batch",
                token: api.admin,
                #"{"items": [{"email": "ok@example.org", "role": "viewer"}, {"email": "x", "role": "viewer"}, {"email": "y@example.org", "role": "boss"}, 7]}"#
            )
            #expect(mixed.json["results"]?[0]?["status"]?.int == 201)
            #expect(mixed.json["results"]?[1]?["error"]?["code"]?.string == "validation_failed")
            #expect(mixed.json["results"]?[2]?["error"]?["detail"]?.string?.contains("items[2].role") == true)
            #expect(mixed.json["results"]?[3]?["status"]?.int == 422)
            let tooMany = (0..<1001).map { #"{"email": "t\#($0)@example.org", "role": "viewer"}"# }
            let refused = try await api.post(
                "/v1/orgs/\(org)/invitations/batch",
                token: api.admin,
                #"{"items": [\#(tooMany.joined(separator: ","))]}"#
            )
            #expect(refused.status == 422)
            #expect(try await api.get("/v1/orgs/\(org)/invitations?email=t0@example.org", token: api.admin).json["items"]?.array.isEmpty == true)
            for _ in 0..<20 { await fixture.parts.outboxService.deliverDue() }
            #expect(fixture.transport.delivered.count >= 1000)
            // Each emailed link of a batch works, once.
            let token = try await api.linkToken(to: "bulk5@example.org")
            #expect(try await api.post("/v1/invitations/accept", token: nil, #"{"token": "\#(token)"}"#).status == 200)
            #expect(try await api.post("/v1/invitations/accept", token: nil, #"{"token": "\#(token)"}"#).status == 410)
            // An org that does not exist refuses the batch whole.
            let missing = try await api.post(
                "/v1/orgs/\(OrganisationID.random())/invitations/batch",
                token: api.admin,
                #"{"items": [{"email": "lost@example.org", "role": "viewer"}]}"#
            )
            #expect(missing.status == 404)
            #expect(missing.json["code"]?.string == "not_found")
        }
    }

    @Test("Forged, altered and unknown tokens are refused by preview and accept")
    func forgedTokensRefused() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "h@example.org", "role": "viewer"}"#)
            let token = try await api.linkToken(to: "h@example.org")
            let altered = String(token.dropLast()) + (token.last == "A" ? "B" : "A")
            for bad in [altered, "mk1.nonsense.sig", "hello"] {
                #expect(try await api.post("/v1/invitations/accept", #"{"token": "\#(bad)"}"#).code == "token_invalid")
                #expect(try await api.get("/v1/invitations/preview?token=\(bad)").status == 400)
            }
            #expect(try await api.get("/v1/invitations/preview").status == 400)
        }
    }
}
