import HTTPTypes
import MusterDomain
import MusterEngine
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

@Suite("Organisation settings over HTTP: PATCH /v1/orgs/{org}, invitation lifetimes, allowed domains")
struct SettingsRoutesTests {
    @Test("An org admin renames the org and sets its lifetime, domains and locale; null resets; the answer shows what is in force")
    func orgAdminsChangeTheOrg() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let (admin, _) = try await api.member(org, "ann@example.org", role: "org_admin")
            let fresh = try await api.get("/v1/orgs/\(org)", token: admin)
            #expect(fresh.json["settings"]?["invitation_lifetime_days"] == .null)
            #expect(fresh.json["effective_settings"]?["invitation_lifetime_days"]?.int == 7)
            #expect(fresh.json["effective_settings"]?["default_locale"]?.string == "en")

            let changed = try await api.call(
                .patch,
                "/v1/orgs/\(org)",
                token: admin,
                json: #"{"name": "Riverside Homes", "invitation_lifetime_days": 3, "allowed_email_domains": ["Example.org"], "default_locale": "cy"}"#
            )
            #expect(changed.status == 200, "\(changed.text)")
            #expect(changed.json["name"]?.string == "Riverside Homes")
            #expect(changed.json["settings"]?["allowed_email_domains"]?.array.compactMap(\.string) == ["example.org"])
            #expect(changed.json["effective_settings"]?["invitation_lifetime_days"]?.int == 3)
            #expect(changed.json["effective_settings"]?["default_locale"]?.string == "cy")
            #expect(changed.json["effective_settings"]?["any_email_domain"]?.bool == false)
            let audit = try await api.get("/v1/orgs/\(org)/audit?action=organisation.updated", token: admin)
            #expect(audit.json["items"]?.array.count == 1, "\(audit.text)")

            let reset = try await api.call(
                .patch,
                "/v1/orgs/\(org)",
                token: admin,
                json: #"{"invitation_lifetime_days": null, "default_locale": null}"#
            )
            #expect(reset.json["settings"]?["invitation_lifetime_days"] == .null)
            #expect(reset.json["effective_settings"]?["invitation_lifetime_days"]?.int == 7)
            #expect(reset.json["name"]?.string == "Riverside Homes", "an absent field is left as it is")
            #expect(reset.json["settings"]?["allowed_email_domains"]?.array.count == 1)
        }
    }

    @Test("Only org admins change the org: other staff are forbidden, other orgs' people are told it does not exist")
    func othersMayNotChangeTheOrg() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let other = try await api.org("Hillside")
            let body = #"{"name": "Taken Over"}"#
            for role in ["site_admin", "caseworker", "viewer"] {
                let (token, _) = try await api.member(org, "\(role)@example.org", role: role)
                let reply = try await api.call(.patch, "/v1/orgs/\(org)", token: token, json: body)
                #expect(reply.status == 403, "\(role): \(reply.text)")
            }
            #expect(try await api.call(.patch, "/v1/orgs/\(org)", token: try await api.apiKey(org, role: "site_admin"), json: body).status == 403)
            let (outsider, _) = try await api.member(other, "eve@example.org", role: "org_admin")
            #expect(try await api.call(.patch, "/v1/orgs/\(org)", token: outsider, json: body).status == 404)
            #expect(try await api.call(.patch, "/v1/orgs/\(org)", json: body).status == 401)
            #expect(try await api.get("/v1/orgs/\(org)", token: api.admin).json["name"]?.string == "Riverside Housing")
        }
    }

    @Test(
        "Bad settings are refused with a message naming the field, and change nothing",
        arguments: [
            #"{"invitation_lifetime_days": 0}"#, #"{"invitation_lifetime_days": 31}"#, #"{"invitation_lifetime_days": "7"}"#,
            #"{"allowed_email_domains": "example.org"}"#, #"{"allowed_email_domains": ["@example.org"]}"#, #"{"default_locale": "English"}"#,
            #"{"name": ""}"#, #"{"colour": "blue"}"#, #"[]"#,
        ]
    )
    func badSettingsAreRefused(body: String) async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let before = try await api.get("/v1/orgs/\(org)", token: api.admin).text
            let reply = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: body)
            #expect(reply.status == 422, "\(body): \(reply.text)")
            #expect(reply.code == "validation_failed")
            #expect(try await api.get("/v1/orgs/\(org)", token: api.admin).text == before)
        }
    }

    @Test("An invitation may ask for 1 to 30 days; otherwise it lasts the org's lifetime")
    func invitationsTakeTheirOwnLifetime() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let now = fixture.clock.now()
            let own = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "a@example.org", "role": "viewer", "expires_in_days": 2}"#
            )
            #expect(own.status == 201, "\(own.text)")
            #expect(own.json["expires_at"]?.string == now.adding(.days(2)).iso8601)
            _ = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: #"{"invitation_lifetime_days": 14}"#)
            let orgWide = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "b@example.org", "role": "viewer"}"#)
            #expect(orgWide.json["expires_at"]?.string == now.adding(.days(14)).iso8601)
            for days in ["0", "31", "\"soon\""] {
                let refused = try await api.post(
                    "/v1/orgs/\(org)/invitations",
                    token: api.admin,
                    #"{"email": "c@example.org", "role": "viewer", "expires_in_days": \#(days)}"#
                )
                #expect(refused.status == 422, "\(days): \(refused.text)")
            }
            let listed = try await api.get("/v1/orgs/\(org)/invitations?email=c@example.org", token: api.admin)
            #expect(listed.json["items"]?.array.isEmpty == true, "a refused invitation leaves no row")
        }
    }

    @Test(
        "With allowed domains, invitations, direct users and collaborators at other domains are refused email_domain_not_allowed, and nobody is created"
    )
    func allowedDomainsHoldForEveryWayIn() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            _ = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: #"{"allowed_email_domains": ["riverside.example"]}"#)
            let inside = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "ann@riverside.example", "role": "viewer"}"#)
            #expect(inside.status == 201)
            let refusals = [
                ("/v1/orgs/\(org)/invitations", #"{"email": "eve@evil.example", "role": "viewer"}"#),
                ("/v1/orgs/\(org)/invitations", #"{"email": "eve@sub.riverside.example", "role": "viewer"}"#),
                ("/v1/orgs/\(org)/users", #"{"email": "eve@evil.example", "full_name": "Eve", "role": "viewer"}"#),
                ("/v1/orgs/\(org)/tenants/\(tenant)/collaborators", #"{"mode": "full", "email": "eve@evil.example", "full_name": "Eve"}"#),
            ]
            for (path, body) in refusals {
                let reply = try await api.post(path, token: api.admin, body)
                #expect(reply.status == 422 && reply.code == "email_domain_not_allowed", "\(path): \(reply.text)")
            }
            #expect(
                try await api.get("/v1/users?email=eve@evil.example", token: api.admin).status == 404,
                "a refused collaborator invite creates no user"
            )
            let batch = try await api.post(
                "/v1/orgs/\(org)/invitations/batch",
                token: api.admin,
                #"{"items": [{"email": "bo@riverside.example", "role": "viewer"}, {"email": "eve@evil.example", "role": "viewer"}]}"#
            )
            let codes = batch.json["results"]?.array.map { $0["error"]?["code"]?.string ?? "ok" }
            #expect(codes == ["ok", "email_domain_not_allowed"], "\(batch.text)")
        }
    }

    @Test("An email is written in the invitation's language, else the org's, else the deployment's, as text and HTML, with the org's Reply-To")
    func emailsFollowTheLocaleAndTheOrg() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org("Cwmni Tai")
            let plain = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "ann@example.org", "role": "caseworker"}"#)
            #expect(plain.status == 201)
            let english = try await api.mail(to: "ann@example.org")
            #expect(english.subject == "You've been invited to Cwmni Tai as a caseworker")
            #expect(english.html?.contains("Review and accept the invitation") == true && english.replyTo == nil)
            #expect(english.text.contains("expires in 7 days"))

            let patched = try await api.call(
                .patch,
                "/v1/orgs/\(org)",
                token: api.admin,
                json: #"{"default_locale": "cy", "reply_to_email": "Help@Cwmni.example"}"#
            )
            #expect(patched.json["settings"]?["reply_to_email"]?.string == "help@cwmni.example")
            _ = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "bo@example.org", "role": "viewer", "expires_in_days": 3}"#
            )
            let welsh = try await api.mail(to: "bo@example.org")
            #expect(welsh.subject.hasPrefix("Rydych wedi cael gwahoddiad i Cwmni Tai fel gwyliwr"), "\(welsh.subject)")
            #expect(welsh.text.contains("mewn 3 diwrnod") && welsh.replyTo == "help@cwmni.example")
            #expect(welsh.rfc5322(from: "m@example.org").contains("Reply-To: help@cwmni.example\r\n"))

            let chosen = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "cy@example.org", "role": "viewer", "locale": "en-GB"}"#
            )
            #expect(chosen.status == 201)
            #expect(try await api.mail(to: "cy@example.org").subject.hasPrefix("You've been invited"), "the invitation's own language wins")
            let id = try #require(chosen.json["id"]?.string)
            fixture.clock.advance(by: .minutes(2))
            #expect(try await api.post("/v1/orgs/\(org)/invitations/\(id)/resend", token: api.admin).status == 200)
            for _ in 0..<100 where api.mailCount(to: "cy@example.org") < 2 {
                await fixture.parts.outboxService.deliverDue()
                try await Task.sleep(for: .milliseconds(10))
            }
            let resent = try await api.mail(to: "cy@example.org")
            #expect(resent.subject.hasPrefix("Reminder: You've been invited") && resent.kind == "invitation_resent", "\(resent.subject)")
            let refused = try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "x@example.org", "role": "viewer", "locale": "Welsh"}"#
            )
            #expect(refused.status == 422)
            #expect(try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: #"{"reply_to_email": "not an address"}"#).status == 422)
        }
    }
}
