import Foundation
import HTTPTypes
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

@Suite("Inviting again and leading on after accepting, over HTTP")
struct ReinviteAndRedirectRoutesTests {
    @Test("Invite again makes a new pending invitation from a revoked one; the old one keeps its history and its link stays dead")
    func inviteAgainFromARevokedInvitation() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let first = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "bo@example.org", "role": "caseworker", "locale": "cy"}"#
            )
            let firstID = try #require(first.json["id"]?.string)
            let oldLink = try await api.linkToken(to: "bo@example.org")
            let sent = api.mailCount(to: "bo@example.org")
            #expect(try await api.post("/v1/orgs/\(org)/invitations/\(firstID)/revoke", token: api.admin, #"{"reason": "wrong team"}"#).status == 200)

            let again = try await api.post("/v1/orgs/\(org)/invitations/\(firstID)/reinvite", token: api.admin)
            #expect(again.status == 201, "\(again.text)")
            let newID = try #require(again.json["id"]?.string)
            #expect(newID != firstID)
            #expect(again.headers[.location] == "/v1/orgs/\(org)/invitations/\(newID)")
            #expect(again.json["reinvite_of"]?.string == firstID)
            #expect(again.json["status"]?.string == "pending")
            #expect(
                again.json["email"]?.string == "bo@example.org" && again.json["role"]?.string == "caseworker"
                    && again.json["method"]?.string == "email"
            )

            let old = try await api.get("/v1/orgs/\(org)/invitations/\(firstID)", token: api.admin)
            #expect(old.json["status"]?.string == "revoked" && old.json["revoked_reason"]?.string == "wrong team")
            // The old link stays dead; the new email's link works, in the old one's language.
            #expect(try await api.post("/v1/invitations/accept", #"{"token": "\#(oldLink)"}"#).code == "invitation_revoked")
            let newLink = try await api.linkToken(to: "bo@example.org", after: sent)
            #expect(newLink != oldLink)
            #expect(try await api.mail(to: "bo@example.org").subject.hasPrefix("Rydych wedi cael gwahoddiad"))
            let accepted = try await api.post("/v1/invitations/accept", #"{"token": "\#(newLink)"}"#)
            #expect(accepted.status == 200)
            #expect(accepted.json["invitation"]?["id"]?.string == newID)

            // Both rows are in the list, and the trail says what happened in order.
            let feed = try await api.get("/v1/orgs/\(org)/events?after=0", token: api.admin)
            let types = feed.json["items"]?.array.compactMap { $0["type"]?.string } ?? []
            #expect(types.contains("user.reinvited"))
        }
    }

    @Test("A pending invitation is resent, not invited again; an accepted one is not invited again at all; a bad id changes nothing")
    func onlyEndedInvitationsAreInvitedAgain() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let pending = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "bo@example.org", "role": "viewer"}"#)
            let pendingID = try #require(pending.json["id"]?.string)
            let refused = try await api.post("/v1/orgs/\(org)/invitations/\(pendingID)/reinvite", token: api.admin)
            #expect(refused.status == 409 && refused.code == "invitation_pending")
            #expect(refused.json["existing_record"]?.string == pendingID)

            _ = try await api.member(org, "cy@example.org", role: "viewer")
            let list = try await api.get("/v1/orgs/\(org)/invitations?status=accepted", token: api.admin)
            let acceptedID = try #require(list.json["items"]?[0]?["id"]?.string)
            let accepted = try await api.post("/v1/orgs/\(org)/invitations/\(acceptedID)/reinvite", token: api.admin)
            #expect(accepted.status == 410 && accepted.code == "invitation_already_accepted")

            #expect(try await api.post("/v1/orgs/\(org)/invitations/\(UUID())/reinvite", token: api.admin).status == 404)
            #expect(try await api.post("/v1/orgs/\(org)/invitations/not-an-id/reinvite", token: api.admin).status == 400)
            #expect(
                try await api.post("/v1/orgs/\(org)/invitations/\(pendingID)/reinvite", token: api.admin, #"{"email": "evil@example.org"}"#).status
                    == 422
            )
            let all = try await api.get("/v1/orgs/\(org)/invitations", token: api.admin)
            #expect(all.json["items"]?.array.count == 2, "a refused re-invite created an invitation")
        }
    }

    @Test("An attacker cannot invite again across orgs or beyond their own role")
    func reinviteIsBoundedByTheCallersPower() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let other = try await api.org("Elsewhere")
            let adminInvite = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "boss@example.org", "role": "org_admin"}"#
            )
            let adminInviteID = try #require(adminInvite.json["id"]?.string)
            _ = try await api.post("/v1/orgs/\(org)/invitations/\(adminInviteID)/revoke", token: api.admin)

            let site = try await api.member(org, "site@example.org", role: "site_admin")
            let escalation = try await api.post("/v1/orgs/\(org)/invitations/\(adminInviteID)/reinvite", token: site.token)
            #expect(escalation.status == 403 && escalation.code == "beyond_own_authority")
            let viewer = try await api.member(org, "view@example.org", role: "viewer")
            #expect(try await api.post("/v1/orgs/\(org)/invitations/\(adminInviteID)/reinvite", token: viewer.token).status == 403)
            // An admin of another org names this org's invitation under their own org: not found.
            let outsider = try await api.member(other, "outsider@example.org", role: "org_admin")
            #expect(try await api.post("/v1/orgs/\(other)/invitations/\(adminInviteID)/reinvite", token: outsider.token).status == 404)
            #expect(try await api.post("/v1/orgs/\(org)/invitations/\(adminInviteID)/reinvite", token: outsider.token).status == 404)
            let pending = try await api.get("/v1/orgs/\(org)/invitations?status=pending", token: api.admin)
            #expect(pending.json["items"]?.array.isEmpty == true)
        }
    }

    @Test("A redirect is kept only for an allowed origin, answered by preview and accept, and dropped once the origin is taken off the list")
    func redirectAfterAccepting() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let body = #"{"email": "bo@example.org", "role": "viewer", "redirect_url": "https://app.example.org/welcome?x=1"}"#
            let refused = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, body)
            #expect(refused.status == 422 && refused.code == "redirect_not_allowed")

            let settings = try await api.call(
                .patch,
                "/v1/orgs/\(org)",
                token: api.admin,
                json: #"{"allowed_redirect_origins": ["https://App.example.org/", "http://localhost:3000"]}"#
            )
            #expect(settings.status == 200, "\(settings.text)")
            #expect(
                settings.json["settings"]?["allowed_redirect_origins"]?.array.compactMap(\.string) == [
                    "http://localhost:3000", "https://app.example.org",
                ]
            )

            let created = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, body)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["redirect_url"]?.string == "https://app.example.org/welcome?x=1")
            let token = try await api.linkToken(to: "bo@example.org")
            #expect(try await api.get("/v1/invitations/preview?token=\(token)").json["redirect_url"]?.string == "https://app.example.org/welcome?x=1")

            // Taking the origin off the list stops links already sent from leading there.
            _ = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: #"{"allowed_redirect_origins": ["https://other.example.org"]}"#)
            #expect(try await api.get("/v1/invitations/preview?token=\(token)").json["redirect_url"] == .null)
            _ = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: #"{"allowed_redirect_origins": ["https://app.example.org"]}"#)
            let accepted = try await api.post("/v1/invitations/accept", #"{"token": "\#(token)"}"#)
            #expect(accepted.json["redirect_url"]?.string == "https://app.example.org/welcome?x=1")
        }
    }

    @Test("A collaborator's link leads on to its redirect after signing in, answered by the API and followed by the page")
    func collaboratorRedirect() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            let body = #"{"mode": "full", "email": "sam@support.example", "full_name": "Sam", "redirect_url": "https://app.example.org/cases/1"}"#
            let refused = try await api.post("/v1/orgs/\(org)/tenants/\(tenant)/collaborators", token: api.admin, body)
            #expect(refused.status == 422 && refused.code == "redirect_not_allowed")
            _ = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: #"{"allowed_redirect_origins": ["https://app.example.org"]}"#)
            let invited = try await api.post("/v1/orgs/\(org)/tenants/\(tenant)/collaborators", token: api.admin, body)
            #expect(invited.status == 201 && invited.json["redirect_url"]?.string == "https://app.example.org/cases/1", "\(invited.text)")
            let contact = try await api.post(
                "/v1/orgs/\(org)/tenants/\(tenant)/collaborators",
                token: api.admin,
                #"{"mode": "reference_only", "contact_name": "Dr GP", "contact_phone": "0161", "redirect_url": "https://app.example.org/x"}"#
            )
            #expect(contact.status == 422)
            let token = try await api.linkToken(to: "sam@support.example")
            let verified = try await api.post("/v1/auth/verify", #"{"token": "\#(token)"}"#)
            #expect(verified.status == 200 && verified.json["redirect_url"]?.string == "https://app.example.org/cases/1", "\(verified.text)")
        }
    }

    /// Redirects an attacker would try; each is refused at the door and creates nothing.
    static let hostileRedirects = [
        "javascript:alert(document.cookie)", "//evil.example/", "https://app.example.org@evil.example/", "https://evil.example/",
        "https://app.example.org.evil.example/", "http://app.example.org/", "https://app.example.org\\\\@evil.example/", "data:text/html,hi",
        "https://user:pw@app.example.org/", "/console",
    ]

    @Test("Hostile redirects are refused and create no invitation", arguments: hostileRedirects)
    func hostileRedirectsAreRefused(url: String) async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            _ = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: #"{"allowed_redirect_origins": ["https://app.example.org"]}"#)
            let reply = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "bo@example.org", "role": "viewer", "redirect_url": "\#(url)"}"#
            )
            #expect(reply.status == 422, "\(url): \(reply.text)")
            #expect(["redirect_not_allowed", "validation_failed"].contains(reply.code ?? ""))
            #expect(try await api.get("/v1/orgs/\(org)/invitations", token: api.admin).json["items"]?.array.isEmpty == true)
        }
    }

    @Test("An outsider probing another org with a redirect is told the org does not exist, and learns none of its origins")
    func outsidersLearnNothingFromARedirect() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let victim = try await api.org()
            _ = try await api.call(
                .patch,
                "/v1/orgs/\(victim)",
                token: api.admin,
                json: #"{"allowed_redirect_origins": ["https://secret-app.example.org"]}"#
            )
            let other = try await api.org("Elsewhere")
            let outsider = try await api.member(other, "eve@example.org", role: "org_admin")
            let body = #"{"email": "x@example.org", "role": "viewer", "redirect_url": "https://evil.example/"}"#
            let probe = try await api.post("/v1/orgs/\(victim)/invitations", token: outsider.token, body)
            #expect(probe.status == 404 && !probe.text.contains("secret-app"), "\(probe.text)")
            let viewer = try await api.member(victim, "vi@example.org", role: "viewer")
            let inside = try await api.post("/v1/orgs/\(victim)/invitations", token: viewer.token, body)
            #expect(inside.status == 403 && !inside.text.contains("secret-app"), "\(inside.text)")
        }
    }

    @Test("Emails carry the org's logo and accent colour, say who invited you, and a sign-in email greets the person by name")
    func brandedEmails() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let branding = ##"{"logo_url": "https://riverside.example/logo.png", "accent_colour": "#00703C"}"##
            #expect(try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: branding).status == 200)
            let ann = try await api.member(org, "ann@example.org", role: "org_admin")
            _ = try await api.post("/v1/orgs/\(org)/invitations", token: ann.token, #"{"email": "bo@example.org", "role": "viewer"}"#)
            let mail = try await api.mail(to: "bo@example.org")
            #expect(mail.text.contains("ann@example.org has invited you to Riverside Housing as a viewer."), "\(mail.text)")
            let html = try #require(mail.html)
            #expect(html.contains(#"<img src="https://riverside.example/logo.png" alt="Riverside Housing""#))
            #expect(html.contains("background:#00703c;"))
            // The platform admin's invitation names no one; an unbranded org keeps Muster's colour.
            let plain = try await api.org("Plain Trust")
            _ = try await api.post("/v1/orgs/\(plain)/invitations", token: api.admin, #"{"email": "cy@example.org", "role": "viewer"}"#)
            let plainMail = try await api.mail(to: "cy@example.org")
            #expect(plainMail.text.contains("You've been invited to Plain Trust") && !(plainMail.html ?? "").contains("<img"))
            #expect((plainMail.html ?? "").contains("background:#1d4ed8;"))

            _ = try await api.post(
                "/v1/orgs/\(org)/users",
                token: api.admin,
                #"{"email": "di@example.org", "role": "viewer", "full_name": "Di Rect"}"#
            )
            _ = try await api.post("/v1/auth/magic-link", #"{"email": "di@example.org"}"#)
            let signIn = try await api.mail(to: "di@example.org")
            #expect(signIn.text.hasPrefix("Hello Di Rect,"), "\(signIn.text)")
        }
    }

    @Test("Bad origins, logos and colours are refused and change nothing")
    func badBrandingAndOriginsAreRefused() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            for body in [
                #"{"allowed_redirect_origins": ["https://app.example.org/path"]}"#, #"{"allowed_redirect_origins": ["javascript:x"]}"#,
                #"{"allowed_redirect_origins": "https://app.example.org"}"#, #"{"logo_url": "http://example.org/logo.png"}"#,
                #"{"accent_colour": "red; background: url(x)"}"#,
            ] {
                let reply = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: body)
                #expect(reply.status == 422, "\(body): \(reply.text)")
            }
            let after = try await api.get("/v1/orgs/\(org)", token: api.admin)
            #expect(after.json["settings"]?["allowed_redirect_origins"]?.array.isEmpty == true)
            #expect(after.json["settings"]?["logo_url"] == .null && after.json["settings"]?["accent_colour"] == .null)
        }
    }
}
