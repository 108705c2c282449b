import Foundation
import HTTPTypes
import MusterDomain
import Synchronization
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

@Suite("The event feed")
struct EventFeedTests {
    @Test("The feed lists an org's events oldest first with their facts, and continues from its cursor")
    func feedListsEventsInOrderAndContinues() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let key = try await api.apiKey(org)
            let invited = try await api.post("/v1/orgs/\(org)/invitations", token: key, #"{"email": "ann@example.org", "role": "viewer"}"#)
            let invitationID = try #require(invited.json["id"]?.string)
            try await api.post("/v1/orgs/\(org)/invitations/\(invitationID)/revoke", token: key, #"{"reason": "wrong person"}"#)

            let all = try await api.get("/v1/orgs/\(org)/events", token: key)
            #expect(all.status == 200, "\(all.text)")
            let types = all.json["items"]?.array.compactMap { $0["type"]?.string }
            #expect(types == ["organisation.created", "api_key.created", "user.invited", "user.invitation_revoked"])
            let sequences = all.json["items"]?.array.compactMap { $0["sequence"]?.int }
            #expect(sequences == [1, 2, 3, 4])
            let revoked = try #require(all.json["items"]?[3])
            #expect(revoked["id"]?.string == "\(org):4")
            #expect(revoked["org_id"]?.string == org)
            #expect(revoked["actor"]?.string?.hasPrefix("api_key:") == true)
            #expect(revoked["data"]?["invitation_id"]?.string == invitationID)
            #expect(revoked["data"]?["email"]?.string == "ann@example.org")
            #expect(revoked["data"]?["reason"]?.string == "wrong person")
            #expect(all.json["items"]?[2]?["data"]?["role"]?.string == "viewer")
            #expect(all.json["next_cursor"]?.string == "4")
            #expect(all.json["has_more"]?.bool == false)

            let page = try await api.get("/v1/orgs/\(org)/events?after=1&limit=2", token: key)
            #expect(page.json["items"]?.array.compactMap { $0["sequence"]?.int } == [2, 3])
            #expect(page.json["has_more"]?.bool == true)
            let rest = try await api.get("/v1/orgs/\(org)/events?after=\(page.json["next_cursor"]?.string ?? "")", token: key)
            #expect(rest.json["items"]?.array.compactMap { $0["sequence"]?.int } == [4])
        }
    }

    @Test("A type filter returns only those types and its cursor moves past the events it skipped")
    func typeFilterSkipsOtherTypes() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            for name in ["a", "b"] {
                try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "\#(name)@example.org", "role": "viewer"}"#)
                _ = try await api.tenant(org, "Tenant \(name)")
            }
            let reply = try await api.get("/v1/orgs/\(org)/events?type=tenant.created", token: api.admin)
            #expect(reply.json["items"]?.array.compactMap { $0["type"]?.string } == ["tenant.created", "tenant.created"])
            #expect(reply.json["items"]?[0]?["data"]?["name"]?.string == "Tenant a")
            #expect(reply.json["next_cursor"]?.string == "5")
        }
    }

    /// The feed carries the audit trail's facts, so it needs the audit trail's authority:
    /// `users.view` (org and site admins, a key of such a role), never a viewer's key.
    @Test("Only holders of users.view and the platform admin may read the feed")
    func onlyAuditReadersReadTheFeed() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let viewer = try await api.member(org, "viewer@example.org", role: "viewer")
            let site = try await api.member(org, "site@example.org", role: "site_admin")
            let admin = try await api.member(org, "boss@example.org", role: "org_admin")
            let viewerKey = try await api.apiKey(org, role: "viewer")
            #expect(try await api.get("/v1/orgs/\(org)/events", token: viewer.token).status == 403)
            #expect(try await api.get("/v1/orgs/\(org)/events", token: viewerKey).status == 403, "a viewer-role API key reads no feed")
            #expect(try await api.post("/v1/orgs/\(org)/webhooks", token: viewerKey, #"{"url": "https://hooks.example.org/x"}"#).status == 403)
            #expect(try await api.get("/v1/orgs/\(org)/events").status == 401)
            #expect(try await api.get("/v1/orgs/\(org)/events", token: site.token).status == 200)
            #expect(try await api.get("/v1/orgs/\(org)/events", token: admin.token).status == 200)
            let other = try await api.org("Elsewhere")
            #expect(try await api.get("/v1/orgs/\(other)/events", token: admin.token).status == 404)
        }
    }

    /// A reference-only contact's card is for staff, read from the team list: what a feed
    /// reader or an audit export learns of it is its id, its tenant and its mode.
    @Test("A reference-only contact's name, email and phone are in no feed event, audit line or audit CSV: its events carry the card's id and mode")
    func contactCardsStayOutOfTheFeedAndTheAudit() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            let team = "/v1/orgs/\(org)/tenants/\(tenant)/collaborators"
            let card = try await api.post(team, token: api.admin, Self.contactCard)
            #expect(card.status == 201, "\(card.text)")
            let cardID = try #require(card.json["id"]?.string)
            let edited = try await api.call(
                .patch,
                "\(team)/\(cardID)",
                token: api.admin,
                json: #"{"contact_name": "Dr Gwen Parry-Jones", "contact_phone": "0161 555 0123"}"#
            )
            #expect(edited.status == 200, "\(edited.text)")
            #expect(try await api.post("\(team)/\(cardID)/end", token: api.admin).status == 200)
            #expect(try await api.get(team, token: api.admin).text.contains("Dr Gwen Parry-Jones"), "staff read the card from the team list")

            let feed = try await api.get(
                "/v1/orgs/\(org)/events?type=collaborator.invited,collaborator.contact_updated,collaborator.ended",
                token: api.admin
            )
            let items = feed.json["items"]?.array ?? []
            #expect(items.compactMap { $0["type"]?.string } == ["collaborator.invited", "collaborator.contact_updated", "collaborator.ended"])
            for item in items {
                guard case .object(let data)? = item["data"] else {
                    Issue.record("no data in \(item)")
                    continue
                }
                #expect(Set(data.keys) == ["collaborator_id", "tenant_id", "mode"], "\(data.keys.sorted())")
                #expect(data["collaborator_id"]?.string == cardID && data["mode"]?.string == "reference_only")
            }
            let audit = try await api.get("/v1/orgs/\(org)/audit?limit=1000", token: api.admin)
            let csv = try await api.get("/v1/orgs/\(org)/audit?format=csv", token: api.admin)
            #expect(audit.status == 200 && csv.status == 200)
            for (name, reply) in [("the feed", feed), ("the audit trail", audit), ("the audit CSV", csv)] {
                for detail in Self.contactDetails {
                    #expect(!reply.text.contains(detail), "\(name) carries the contact's \(detail)")
                }
            }
        }
    }

    /// A reference-only contact's card, with every field set.
    static let contactCard = #"""
        {"mode": "reference_only", "contact_name": "Dr Gwen Parry", "contact_email": "gwen.parry@surgery.example",
         "contact_phone": "0161 555 0199", "contact_organisation_name": "Canal Street Surgery", "contact_role_label": "Family doctor"}
        """#

    /// What of ``contactCard`` (and its edit) must never leave the team list.
    static let contactDetails = ["Gwen", "Parry", "surgery.example", "555 01", "Canal Street", "Family doctor"]

    @Test("Bad feed queries get a clear 4xx")
    func badQueriesAreRefused() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            for (query, code) in [
                ("after=abc", "invalid_cursor"), ("after=99", "validation_failed"), ("limit=0", "validation_failed"),
                ("limit=1001", "validation_failed"),
                ("wait=-1", "validation_failed"), ("wait=61", "validation_failed"), ("wait=soon", "validation_failed"),
                ("type=user.bogus", "validation_failed"),
            ] {
                let reply = try await api.get("/v1/orgs/\(org)/events?\(query)", token: api.admin)
                #expect((400..<500).contains(reply.status), "\(query): \(reply.text)")
                #expect(reply.code == code, "\(query): \(reply.text)")
            }
            #expect(try await api.get("/v1/orgs/\(UUID().uuidString.lowercased())/events", token: api.admin).status == 404)
        }
    }

    @Test("A long poll answers as soon as a new event is durable, and empty when none comes")
    func longPollWakesOnTheNextEvent() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let started = ContinuousClock.now
            let empty = try await api.get("/v1/orgs/\(org)/events?after=1&wait=0.2", token: api.admin)
            #expect(empty.json["items"]?.array.isEmpty == true)
            #expect(ContinuousClock.now - started >= .milliseconds(200))

            async let waiting = api.get("/v1/orgs/\(org)/events?after=1&wait=30", token: api.admin)
            try await Task.sleep(for: .milliseconds(100))
            let asked = ContinuousClock.now
            _ = try await api.tenant(org, "Woken")
            let reply = try await waiting
            #expect(ContinuousClock.now - asked < .seconds(10))
            #expect(reply.json["items"]?.array.compactMap { $0["type"]?.string } == ["tenant.created"])
        }
    }
}
