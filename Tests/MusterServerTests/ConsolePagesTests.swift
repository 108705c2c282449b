import Foundation
import HTTPTypes
import HummingbirdTesting
import MusterSecurity
import NIOCore
import Testing

@testable import MusterJSON
@testable import MusterServer
@testable import MusterWeb
@testable import MusterWords

/// The console's pages as people use them: readable audit, invitation rows with their history,
/// Invite again, the settings page, and a console that shows only what the person may do.
@Suite("The console's pages")
struct ConsolePagesTests {
    typealias Web = WebPagesTests

    /// GETs a console page as `session`.
    static func get(_ api: API, _ path: String, _ session: String) async throws -> Reply {
        try await Web.page(api, .get, path, cookies: [Web.sessionCookie: session])
    }

    /// Posts a console form from `page` (whose form token it takes) as `session`.
    static func post(_ api: API, _ path: String, _ session: String, from page: Reply, _ form: String = "") async throws -> Reply {
        let token = try #require(Web.formValue(page))
        return try await Web.page(api, .post, path, cookies: [Web.sessionCookie: session], form: form + (form.isEmpty ? "" : "&") + "csrf=\(token)")
    }

    @Test("The audit trail names people by email and says what happened in plain words, with no ids")
    func theAuditTrailReadsAsSentences() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let ann = try await Web.member(api, org, "ann@example.org", role: "org_admin")
            let users = try await Self.get(api, "/console/orgs/\(org)/users", ann)
            _ = try await Self.post(api, "/console/orgs/\(org)/invitations", ann, from: users, "email=bo%40example.org&role=caseworker&method=email")
            let bo = try #require(
                try await api.get("/v1/orgs/\(org)/invitations?email=bo@example.org", token: api.admin).json["items"]?[0]?["id"]?.string
            )
            _ = try await Self.post(api, "/console/orgs/\(org)/invitations/\(bo)/revoke", ann, from: users, "reason=sent+to+wrong+address")

            let audit = try await Self.get(api, "/console/orgs/\(org)/audit", ann)
            #expect(audit.status == 200)
            #expect(
                audit.text.contains("<strong>ann@example.org</strong> revoked the invitation of bo@example.org: sent to wrong address"),
                "\(audit.text)"
            )
            #expect(audit.text.contains("<strong>ann@example.org</strong> invited bo@example.org as a caseworker"))
            let rows = try #require(audit.text.components(separatedBy: "<tbody>").last)
            #expect(!rows.contains("user:") && !rows.contains(bo), "the trail shows ids")
            // The filters are choices: event types in words and people by email.
            #expect(audit.text.contains(#"<option value="user.invitation_revoked">Invitation revoked</option>"#))
            let members = try await api.get("/v1/orgs/\(org)/members", token: api.admin).json["items"]?.array ?? []
            let annID = try #require(members.first { $0["email"]?.string == "ann@example.org" }?["user_id"]?.string)
            #expect(audit.text.contains(#"<option value="user:\#(annID)">ann@example.org</option>"#))
            let revokes = try await Self.get(api, "/console/orgs/\(org)/audit?action=user.invitation_revoked&actor=user:\(annID)", ann)
            #expect(revokes.text.contains("revoked the invitation") && !revokes.text.contains("invited bo@example.org as"))
            // Bad filters say what to fix and show nothing.
            let bad = try await Self.get(api, "/console/orgs/\(org)/audit?action=user.nonsense", ann)
            #expect(bad.status == 422 && bad.text.contains("Choose an event from the list"))
            let badPage = try await Self.get(api, "/console/orgs/\(org)/audit?before=x", ann)
            #expect(badPage.status == 422)
        }
    }

    @Test("The invitation rows show who invited and how, who accepted or revoked and why; ended ones can be invited again from the console")
    func invitationRowsAndInviteAgain() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let ann = try await Web.member(api, org, "ann@example.org", role: "org_admin")
            let users = try await Self.get(api, "/console/orgs/\(org)/users", ann)
            _ = try await Self.post(api, "/console/orgs/\(org)/invitations", ann, from: users, "email=bo%40example.org&role=viewer&method=email")
            let bo = try #require(
                try await api.get("/v1/orgs/\(org)/invitations?email=bo@example.org", token: api.admin).json["items"]?[0]?["id"]?.string
            )
            _ = try await Self.post(api, "/console/orgs/\(org)/invitations/\(bo)/revoke", ann, from: users, "reason=typo")

            let tab = try await Self.get(api, "/console/orgs/\(org)/users?tab=invitations", ann)
            #expect(tab.text.contains("by ann@example.org, by email"), "\(tab.text)")
            #expect(tab.text.contains("Revoked ") && tab.text.contains("Reason: typo"))
            // Ann's own accepted invitation shows when and by whom, and no expiry.
            let annRow = try #require(
                tab.text.components(separatedBy: #"<tr data-email="ann@example.org">"#).last?.components(separatedBy: "</tr>").first
            )
            #expect(annRow.contains("Accepted ") && annRow.contains("by ann@example.org") && !annRow.contains("Expires"), "\(annRow)")
            #expect(!annRow.contains("Invite again"))

            let again = try await Self.post(api, "/console/orgs/\(org)/invitations/\(bo)/reinvite", ann, from: tab)
            #expect(again.status == 303 && again.headers[.location]?.contains("done=reinvited") == true, "\(again.status) \(again.text)")
            let pending = try await api.get("/v1/orgs/\(org)/invitations?status=pending", token: api.admin)
            #expect(pending.json["items"]?[0]?["reinvite_of"]?.string == bo)
            // A second click finds the new one pending and says so in people's words.
            let twice = try await Self.post(api, "/console/orgs/\(org)/invitations/\(bo)/reinvite", ann, from: tab)
            let words = try #require(twice.text.components(separatedBy: #"role="alert">"#).last?.components(separatedBy: "<").first)
            #expect(
                twice.status == 409 && words == "bo@example.org already has a pending invitation; resend or revoke it instead.",
                "\(twice.status) \(words)"
            )
        }
    }

    @Test(
        "A viewer's console shows no User Management, audit, API keys, webhooks or settings, the server still refuses them, and a site admin sees only their own powers"
    )
    func aViewerSeesAReducedConsole() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let viewer = try await Web.member(api, org, "vic@example.org", role: "viewer")
            let home = try await Self.get(api, "/console", viewer)
            #expect(home.text.contains("/console/orgs/\(org)/tenants"))
            for hidden in ["/users", "/audit", "/api-keys", "/webhooks", "/settings"] {
                #expect(!home.text.contains("/console/orgs/\(org)\(hidden)"), "home links \(hidden)")
            }
            let tenants = try await Self.get(api, "/console/orgs/\(org)/tenants", viewer)
            #expect(tenants.status == 200)
            for hidden in ["/users", "/audit", "/api-keys", "/webhooks", "/settings"] {
                #expect(!tenants.text.contains("/console/orgs/\(org)\(hidden)"), "the tab bar links \(hidden)")
            }
            // Typing the address does not get round it.
            for path in ["/users", "/audit", "/api-keys", "/settings"] {
                #expect(try await Self.get(api, "/console/orgs/\(org)\(path)", viewer).status == 403, "\(path)")
            }
            // A site admin invites but does not manage roles, passwords or keys.
            let site = try await Web.member(api, org, "site@example.org", role: "site_admin")
            let users = try await Self.get(api, "/console/orgs/\(org)/users", site)
            #expect(users.status == 200 && users.text.contains("Add User"))
            #expect(!users.text.contains("Change role") && !users.text.contains(">Remove<") && !users.text.contains("Reset password"))
            #expect(!users.text.contains("/console/orgs/\(org)/api-keys"))
        }
    }

    @Test("A collaborator who opens an org's pages is sent to their caseload; an outsider is told the org does not exist")
    func collaboratorsAreSentToTheirCaseload() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            let before = api.mailCount(to: "sam@support.example")
            _ = try await api.post(
                "/v1/orgs/\(org)/tenants/\(tenant)/collaborators",
                token: api.admin,
                #"{"mode": "full", "email": "sam@support.example", "full_name": "Sam"}"#
            )
            let token = try await api.linkToken(to: "sam@support.example", after: before)
            let preview = try await Web.page(api, .get, "/auth/verify?token=\(Web.encoded(token))")
            let verified = try await Web.page(
                api,
                .post,
                "/auth/verify",
                cookies: [Web.formCookie: try #require(Web.setCookie(preview, Web.formCookie))],
                form: "token=\(Web.encoded(token))&csrf=\(try #require(Web.formValue(preview)))"
            )
            let sam = try #require(Web.setCookie(verified, Web.sessionCookie))
            let page = try await Self.get(api, "/console/orgs/\(org)/tenants", sam)
            #expect(page.status == 403 && page.text.contains("/console/caseload") && page.text.contains("caseload"), "\(page.text)")

            let other = try await api.org("Hillside")
            let eve = try await Web.member(api, other, "eve@example.org", role: "org_admin")
            let peek = try await Self.get(api, "/console/orgs/\(org)/tenants", eve)
            #expect(peek.status == 404 && !peek.text.contains("Riverside") && !peek.text.contains("caseload is elsewhere"))
        }
    }

    @Test("An org admin changes every setting on the settings page; a refused form keeps what was typed and changes nothing")
    func theSettingsPage() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let ann = try await Web.member(api, org, "ann@example.org", role: "org_admin")
            let page = try await Self.get(api, "/console/orgs/\(org)/settings", ann)
            #expect(page.status == 200 && page.text.contains("Save settings"))
            let form =
                "name=Riverside+Homes&invitation_lifetime_days=5&allowed_email_domains=example.org%0D%0Apartner.example&default_locale=cy"
                + "&reply_to_email=office%40example.org&allowed_redirect_origins=https%3A%2F%2Fapp.example.org&logo_url=https%3A%2F%2Fexample.org%2Flogo.png"
                + "&accent_colour=%231D70B8"
            let saved = try await Self.post(api, "/console/orgs/\(org)/settings", ann, from: page, form)
            #expect(saved.status == 303, "\(saved.text)")
            let settings = try await api.get("/v1/orgs/\(org)", token: api.admin)
            #expect(settings.json["name"]?.string == "Riverside Homes")
            #expect(settings.json["settings"]?["invitation_lifetime_days"]?.int == 5)
            #expect(settings.json["settings"]?["allowed_email_domains"]?.array.compactMap(\.string) == ["example.org", "partner.example"])
            #expect(settings.json["settings"]?["default_locale"]?.string == "cy")
            #expect(settings.json["settings"]?["reply_to_email"]?.string == "office@example.org")
            #expect(settings.json["settings"]?["allowed_redirect_origins"]?.array.compactMap(\.string) == ["https://app.example.org"])
            #expect(settings.json["settings"]?["accent_colour"]?.string == "#1d70b8")

            let bad = try await Self.post(
                api,
                "/console/orgs/\(org)/settings",
                ann,
                from: page,
                "name=Typed+Name&invitation_lifetime_days=99&allowed_email_domains=example.org&accent_colour=%23123456"
            )
            #expect(bad.status == 422 && bad.text.contains("value=\"Typed Name\"") && bad.text.contains("value=\"99\""), "\(bad.text)")
            #expect(!bad.text.contains("invitation_lifetime_days must"), "an API field name on the page")
            #expect(try await api.get("/v1/orgs/\(org)", token: api.admin).json["name"]?.string == "Riverside Homes")

            let site = try await Web.member(api, org, "site@example.org", role: "site_admin")
            #expect(try await Self.get(api, "/console/orgs/\(org)/settings", site).status == 403)
            let forged = try await Self.post(
                api,
                "/console/orgs/\(org)/settings",
                site,
                from: try await Self.get(api, "/console/orgs/\(org)/tenants", site),
                "name=Mine"
            )
            #expect(forged.status == 403)
            #expect(try await api.get("/v1/orgs/\(org)", token: api.admin).json["name"]?.string == "Riverside Homes")
        }
    }

    @Test("The console speaks the browser's language, else the deployment's; the language link switches it; refusals come in the same language")
    func theConsoleInWelsh() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let ann = try await Web.member(api, org, "ann@example.org", role: "org_admin")
            _ = try await api.member(org, "bo@example.org", role: "caseworker")
            func get(_ path: String, language: String?, chosen: String? = nil) async throws -> Reply {
                var headers: HTTPFields = [.cookie: "\(Web.sessionCookie)=\(ann)" + (chosen.map { "; muster_language=\($0)" } ?? "")]
                if let language { headers[.acceptLanguage] = language }
                return try await api.client.execute(uri: path, method: .get, headers: headers) { response in
                    Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: response.body))
                }
            }
            let welsh = try await get("/console/orgs/\(org)/users", language: "cy-GB,en;q=0.5")
            #expect(welsh.status == 200 && welsh.text.contains(#"<html lang="cy">"#))
            #expect(welsh.text.contains("Rheoli Defnyddwyr") || welsh.text.contains("Rheoli defnyddwyr"), "\(welsh.text.prefix(3_000))")
            #expect(welsh.text.contains("gweithiwr achos") && !welsh.text.contains(">Add User<") && !welsh.text.contains(">Members<"))
            // The link to the other language, in that language's own name.
            #expect(welsh.text.contains(#"href="/console/language/en" lang="en" hreflang="en">English</a>"#))
            let english = try await get("/console/orgs/\(org)/users", language: nil)
            #expect(english.text.contains(#"<html lang="en">"#) && english.text.contains(">Add User<") && english.text.contains(#">Cymraeg</a>"#))
            // The choice made with the link outlasts the browser's.
            let switched = try await Web.page(api, .get, "/console/language/cy")
            #expect(switched.status == 303 && Web.setCookie(switched, "muster_language") == "cy")
            #expect(try await get("/console", language: "en", chosen: "cy").text.contains(#"<html lang="cy">"#))
            #expect(try await get("/console", language: "cy", chosen: "en").text.contains(#"<html lang="en">"#))
            #expect(try await Web.page(api, .get, "/console/language/fr").status == 404, "only languages Muster has")
            // A refusal in Welsh: the domain's sentence for the code, never the English one.
            let page = try await get("/console/orgs/\(org)/users", language: "cy")
            let token = try #require(Web.formValue(page))
            var headers: HTTPFields = [
                .cookie: "\(Web.sessionCookie)=\(ann)", .acceptLanguage: "cy", .contentType: "application/x-www-form-urlencoded",
            ]
            headers[HTTPField.Name("Origin")!] = nil
            let refused = try await api.client.execute(
                uri: "/console/orgs/\(org)/invitations",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: "email=bo%40example.org&role=caseworker&method=email&csrf=\(token)")
            ) { response in Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: response.body)) }
            #expect(refused.status == 409)
            #expect(!refused.text.contains("is already a member"), "the English refusal")
            let sentence = try #require(ConsoleText.welsh.entries["refusal.already_member"])
            #expect(refused.text.contains(sentence.replacingOccurrences(of: "'", with: "&#39;")), "\(refused.text)")
        }
    }

    @Test("Every word a page template shows is in the catalogue of every language")
    func everyTemplateWordIsInTheCatalogue() {
        for (name, source) in PageTemplates.all {
            var rest = Substring(source)
            while let open = rest.firstRange(of: "{{>t."), let close = rest[open.upperBound...].firstRange(of: "}}") {
                let key = String(rest[open.upperBound..<close.lowerBound])
                for language in Language.allCases {
                    #expect(ConsoleText.of(language).entries[key] != nil, "\(name) shows \(key), which \(language) lacks")
                }
                rest = rest[close.upperBound...]
            }
        }
    }

    @Test("A refused Add User form keeps the email as typed, never capitalised, and names no ids")
    func aRefusedFormKeepsWhatWasTyped() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let ann = try await Web.member(api, org, "ann@example.org", role: "org_admin")
            _ = try await api.member(org, "bo@example.org", role: "caseworker")
            let users = try await Self.get(api, "/console/orgs/\(org)/users", ann)
            #expect(users.text.contains(#"<option value="viewer" selected>"#), "Add User starts at the least powerful role")
            let refused = try await Self.post(
                api,
                "/console/orgs/\(org)/invitations",
                ann,
                from: users,
                "email=bo%40example.org&role=caseworker&method=email"
            )
            #expect(refused.status == 409)
            #expect(refused.text.contains("bo@example.org is already a member"), "\(refused.text)")
            #expect(!refused.text.contains("Bo@example.org"))
            #expect(refused.text.contains(#"id="invite-email" name="email" type="email" required value="bo@example.org""#))
            #expect(refused.text.contains(#"<option value="caseworker" selected>"#))
        }
    }

    @Test("After accepting, the link page continues to the invitation's redirect; without one, to the console")
    func theLinkPageContinuesToTheRedirect() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            _ = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: #"{"allowed_redirect_origins": ["https://app.example.org"]}"#)
            func accept(_ email: String, _ extra: String) async throws -> Reply {
                _ = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "\#(email)", "role": "viewer"\#(extra)}"#)
                let token = try await api.linkToken(to: email)
                let preview = try await Web.page(api, .get, "/invitations/accept?token=\(Web.encoded(token))")
                return try await Web.page(
                    api,
                    .post,
                    "/invitations/accept",
                    cookies: [Web.formCookie: try #require(Web.setCookie(preview, Web.formCookie))],
                    form: "token=\(Web.encoded(token))&csrf=\(try #require(Web.formValue(preview)))"
                )
            }
            let led = try await accept("bo@example.org", #", "redirect_url": "https://app.example.org/welcome?a=1&b=2""#)
            #expect(led.text.contains(#"href="https://app.example.org/welcome?a=1&amp;b=2">Continue"#), "\(led.text)")
            let plain = try await accept("cy@example.org", "")
            #expect(!plain.text.contains("app.example.org/welcome"))
        }
    }

    /// Signs in a collaborator through their emailed link's page; returns their session cookie.
    static func collaboratorSession(_ api: API, org: String, tenant: String, _ email: String, mode: String) async throws -> String {
        let before = api.mailCount(to: email)
        _ = try await api.post(
            "/v1/orgs/\(org)/tenants/\(tenant)/collaborators",
            token: api.admin,
            #"{"mode": "\#(mode)", "email": "\#(email)", "full_name": "Sam"}"#
        )
        let token = try await api.linkToken(to: email, after: before)
        let preview = try await Web.page(api, .get, "/auth/verify?token=\(Web.encoded(token))")
        let verified = try await Web.page(
            api,
            .post,
            "/auth/verify",
            cookies: [Web.formCookie: try #require(Web.setCookie(preview, Web.formCookie))],
            form: "token=\(Web.encoded(token))&csrf=\(try #require(Web.formValue(preview)))"
        )
        return try #require(Web.setCookie(verified, Web.sessionCookie))
    }

    @Test("The workspace in full: each mode writes what it may from the console, every entry says who and when, and the rest is refused")
    func theWorkspaceInFull() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            let ann = try await Web.member(api, org, "ann@example.org", role: "org_admin")
            let path = "/console/orgs/\(org)/tenants/\(tenant)"
            let staffPage = try await Self.get(api, path + "/case", ann)
            for form in ["Add goal", "Record session", "Add note", "Add professional note", "Record document", "Save summary"] {
                #expect(staffPage.text.contains(form), "staff lack \(form)")
            }
            #expect(try await Self.post(api, path + "/goals", ann, from: staffPage, "title=Keep+the+tenancy&detail=rent+plan").status == 303)
            #expect(try await Self.post(api, path + "/notes", ann, from: staffPage, "kind=professional&body=risk+assessment").status == 303)
            #expect(try await Self.post(api, path + "/summary", ann, from: staffPage, "text=Moved+in+2025").status == 303)
            #expect(
                try await Self.post(
                    api,
                    path + "/documents",
                    ann,
                    from: staffPage,
                    "name=lease.pdf&content_type=application%2Fpdf&size_bytes=1024&checksum=sha256%3Aab"
                ).status == 303
            )

            let kim = try await Self.collaboratorSession(api, org: org, tenant: tenant, "kim@council.example", mode: "context_only")
            let kimPage = try await Self.get(api, path + "/case", kim)
            #expect(kimPage.text.contains("Record session") && !kimPage.text.contains("Add goal") && !kimPage.text.contains("Add note"))
            #expect(!kimPage.text.contains("risk assessment") && !kimPage.text.contains("lease.pdf"), "a context-only collaborator sees too much")
            #expect(kimPage.text.contains("Keep the tenancy") && kimPage.text.contains("staff, "), "goals say who wrote them")
            #expect(!kimPage.text.contains("ann@example.org"), "a collaborator learns staff emails")
            let recorded = try await Self.post(api, path + "/sessions", kim, from: kimPage, "occurred_at=2025-06-01T10%3A30&summary=Home+visit")
            #expect(recorded.status == 303, "\(recorded.text)")
            let after = try await Self.get(api, path + "/case?done=sessions", kim)
            #expect(after.text.contains("Session recorded.") && after.text.contains("1 June 2025, 10:30 UTC") && after.text.contains("Home visit"))
            #expect(after.text.contains("Home visit <span class=\"hint\">you</span>"), "\(after.text)")
            let staffView = try await Self.get(api, path + "/case", ann)
            #expect(staffView.text.contains("kim@council.example") && staffView.text.contains("ann@example.org"), "staff read the team's names")
            // What the page does not offer is refused all the same, and changes nothing.
            let goal = try await Self.post(api, path + "/goals", kim, from: kimPage, "title=Mine")
            #expect(goal.status == 403 || goal.status == 404)
            let badTime = try await Self.post(api, path + "/sessions", kim, from: kimPage, "occurred_at=yesterday&summary=x")
            #expect(badTime.status == 422 && badTime.text.contains("is not a date and time"))
            let sam = try await Self.collaboratorSession(api, org: org, tenant: tenant, "sam@support.example", mode: "full")
            let samPage = try await Self.get(api, path + "/case", sam)
            #expect(samPage.text.contains("Home visit") && samPage.text.contains("lease.pdf") && !samPage.text.contains("risk assessment"))
            #expect(!samPage.text.contains("kim@council.example") && samPage.text.contains("a collaborator"), "another collaborator's email")
            #expect(!samPage.text.contains("Add professional note"))
        }
    }

    @Test("Link pages speak the invitation's language, else the browser's, else the org's; a Welsh page never shows a revoke reason")
    func linkPagesInWelsh() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            func open(_ token: String, language: String? = nil) async throws -> Reply {
                var headers: HTTPFields = [:]
                if let language { headers[.acceptLanguage] = language }
                return try await api.client.execute(uri: "/invitations/accept?token=\(Web.encoded(token))", method: .get, headers: headers) {
                    response in
                    Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: response.body))
                }
            }
            _ = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "cy@example.org", "role": "viewer", "locale": "cy"}"#)
            let welsh = try await open(try await api.linkToken(to: "cy@example.org"), language: "en-GB,en;q=0.9")
            #expect(welsh.text.contains(#"<html lang="cy">"#) && welsh.text.contains("Rydych wedi cael gwahoddiad i Riverside Housing fel gwyliwr"))
            #expect(welsh.text.contains("Derbyn a mewngofnodi") && welsh.text.contains("Neidio i") && welsh.text.contains("r cynnwys"))

            _ = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "en@example.org", "role": "viewer"}"#)
            let token = try await api.linkToken(to: "en@example.org")
            #expect(
                try await open(token, language: "cy-GB;q=0.8, fr;q=0.9, en;q=0.5").text.contains("Ymuno â Riverside Housing"),
                "the browser's first language Muster has"
            )
            #expect(try await open(token, language: "cy;q=0").text.contains("Join Riverside Housing"), "q=0 is a refusal")
            #expect(try await open(token).text.contains(#"<html lang="en">"#))
            _ = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: #"{"default_locale": "cy"}"#)
            #expect(try await open(token).text.contains("Ymuno â Riverside Housing"), "the org's language")
            #expect(try await open(token, language: "en").text.contains("Join Riverside Housing"), "the browser's before the org's")

            let id = try #require(
                try await api.get("/v1/orgs/\(org)/invitations?email=en@example.org", token: api.admin).json["items"]?[0]?["id"]?.string
            )
            _ = try await api.post("/v1/orgs/\(org)/invitations/\(id)/revoke", token: api.admin, #"{"reason": "cyfrinach staff only"}"#)
            let withdrawn = try await open(token, language: "cy")
            #expect(withdrawn.status == 410 && withdrawn.text.contains("Gwahoddiad wedi") && withdrawn.text.contains("i dynnu"))
            #expect(!withdrawn.text.contains("cyfrinach") && withdrawn.text.contains("Mynd i fewngofnodi"))
        }
    }

    @Test("Webhooks in full from the console: add (secret shown once), pause with a reason, resume, ping, rotate with a grace period, edit, delete")
    func webhooksInFull() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let ann = try await Web.member(api, org, "ann@example.org", role: "org_admin")
            let base = "/console/orgs/\(org)/webhooks"
            let page = try await Self.get(api, base, ann)
            #expect(page.status == 200 && page.text.contains("Add a webhook"))
            let added = try await Self.post(
                api,
                base,
                ann,
                from: page,
                "url=https%3A%2F%2Fhooks.example.org%2Fmuster&description=CRM&event_types=user.invited&event_types=member.added"
            )
            #expect(added.status == 200 && added.text.contains(#"id="webhook-secret">whsec_"#), "\(added.text)")
            let listed = try await api.get("/v1/orgs/\(org)/webhooks", token: api.admin)
            let id = try #require(listed.json["items"]?[0]?["id"]?.string)
            #expect(listed.json["items"]?[0]?["event_types"]?.array.compactMap(\.string) == ["member.added", "user.invited"])
            let again = try await Self.get(api, base, ann)
            #expect(!again.text.contains("whsec_"), "the secret is shown once")
            #expect(again.text.contains("Member added, Invitation sent · CRM"))

            #expect(try await Self.post(api, base + "/\(id)/pause", ann, from: again, "reason=maintenance").status == 303)
            #expect(try await Self.get(api, base, ann).text.contains("Paused: maintenance"))
            #expect(try await Self.post(api, base + "/\(id)/resume", ann, from: again).status == 303)
            #expect(try await Self.post(api, base + "/\(id)/ping", ann, from: again).status == 303)
            let rotated = try await Self.post(api, base + "/\(id)/rotate", ann, from: again, "grace_hours=24")
            #expect(rotated.status == 200 && rotated.text.contains("whsec_") && rotated.text.contains("The previous secret also signs until"))
            #expect(try await Self.post(api, base + "/\(id)/rotate", ann, from: again, "grace_hours=9999").status == 422)
            // The edit form starts from the types the webhook has: saving it unchanged keeps them.
            let current = try await Self.get(api, base, ann)
            #expect(current.text.contains(#"value="member.added" checked>"#) && current.text.contains(#"value="user.invited" checked>"#))
            let edited = try await Self.post(api, base + "/\(id)/edit", ann, from: again, "url=https%3A%2F%2Fhooks.example.org%2Fnew&description=")
            #expect(edited.status == 303)
            let after = try await api.get("/v1/orgs/\(org)/webhooks/\(id)", token: api.admin)
            #expect(after.json["url"]?.string == "https://hooks.example.org/new" && after.json["event_types"] == .null)

            // The API's rule for where webhooks may go holds here too, and a refusal keeps what was typed.
            let local = try await Self.post(api, base, ann, from: again, "url=http%3A%2F%2F127.0.0.1%3A8080%2Fsteal&description=mine")
            #expect(
                local.status == 422 && local.text.contains("not a public internet address") && local.text.contains(#"value="mine""#),
                "\(local.text)"
            )
            let viewer = try await Web.member(api, org, "vi@example.org", role: "viewer")
            #expect(try await Self.get(api, base, viewer).status == 403)
            let forged = try await Self.post(
                api,
                base + "/\(id)/delete",
                viewer,
                from: try await Self.get(api, "/console/orgs/\(org)/tenants", viewer)
            )
            #expect(forged.status == 403)
            #expect(try await Self.post(api, base + "/\(id)/delete", ann, from: again).status == 303)
            #expect(try await api.get("/v1/orgs/\(org)/webhooks", token: api.admin).json["items"]?.array.isEmpty == true)
        }
    }

    @Test("The invitation page wears the org's logo and accent; its policy admits images from the logo's origin alone")
    func theLinkPageIsBranded() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let branding = ##"{"logo_url": "https://cdn.riverside.example/logo.png", "accent_colour": "#00703c"}"##
            _ = try await api.call(.patch, "/v1/orgs/\(org)", token: api.admin, json: branding)
            _ = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "bo@example.org", "role": "viewer"}"#)
            let token = try await api.linkToken(to: "bo@example.org")
            let page = try await Web.page(api, .get, "/invitations/accept?token=\(Web.encoded(token))")
            #expect(page.text.contains(#"<img class="logo" src="https://cdn.riverside.example/logo.png""#))
            #expect(page.text.contains(#"href="/console/assets/accent/00703c.css""#))
            let policy = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.contains("img-src 'self' https://cdn.riverside.example;") && policy.contains("style-src 'self';"), "\(policy)")
            let css = try await Web.page(api, .get, "/console/assets/accent/00703c.css")
            #expect(css.status == 200 && css.text == ":root { --accent: #00703c; }\n")
            // The stylesheet is named by its colour alone: no org is looked up, and nothing but
            // six hex digits is served.
            for junk in ["junk.css", "00703c;x.css", "%2300703c.css", "00703c", "１２３４５６.css"] {
                #expect(try await Web.page(api, .get, "/console/assets/accent/\(junk)").status == 404, "\(junk)")
            }
            // An org without branding keeps the strict policy.
            let plain = try await api.org("Plain")
            _ = try await api.post("/v1/orgs/\(plain)/invitations", token: api.admin, #"{"email": "cy@example.org", "role": "viewer"}"#)
            let plainPage = try await Web.page(api, .get, "/invitations/accept?token=\(Web.encoded(try await api.linkToken(to: "cy@example.org")))")
            #expect(plainPage.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("img-src 'self';") == true)
            #expect(!plainPage.text.contains("accent.css") && !plainPage.text.contains("<img"))
        }
    }

    @Test("The password rule is one rule: the page states it, the API's refusal says it in the same words, and the docs too")
    func thePasswordRuleIsOneRule() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let created = try await api.post(
                "/v1/orgs/\(org)/users",
                token: api.admin,
                #"{"email": "temp@example.org", "role": "viewer", "full_name": "Tem Porary"}"#
            )
            let temporary = try #require(created.json["temporary_password"]?.string)
            let signIn = try await Web.consolePasswordSignIn(api, email: "temp@example.org", password: temporary)
            let session = try #require(Web.setCookie(signIn, Web.sessionCookie))
            let page = try await Self.get(api, "/console/password", session)
            #expect(
                page.text.contains("New password (\(PasswordHasher.rule))") && page.text.contains(#"minlength="\#(PasswordHasher.minimumLength)""#)
            )
            let token = try #require(
                try await api.post("/v1/auth/password", #"{"email": "temp@example.org", "password": "\#(temporary)"}"#)
                    .json["session_token"]?.string
            )
            let short = try await api.post(
                "/v1/auth/password/change",
                token: token,
                #"{"current_password": "\#(temporary)", "new_password": "short"}"#
            )
            #expect(short.status == 422 && short.json["detail"]?.string?.contains(PasswordHasher.rule) == true, "\(short.text)")
            let guide = try String(
                contentsOfFile: #filePath.replacingOccurrences(of: "Tests/MusterServerTests/ConsolePagesTests.swift", with: "docs/GUIDE.md"),
                encoding: .utf8
            )
            #expect(guide.contains(PasswordHasher.rule), "docs/GUIDE.md states another rule")
        }
    }

    @Test("A refusal quoting a huge typed value is cut short, and many ids in a row are removed in one pass")
    func hugeRefusalsAreCutShort() {
        let ids = String(repeating: "00000000-0000-0000-0000-000000000000", count: 30_000)
        let started = ContinuousClock.now
        let words = ConsoleWords.plain("contact_phone '\(ids)' is not a phone number")
        #expect(ContinuousClock.now - started < .seconds(5), "removing ids is not linear")
        #expect(words.count <= ConsoleWords.maximumLength)
        #expect(ConsoleWords.withoutIDs("a (\(ids.prefix(72))) b") == "a b")
    }

    @Test("A refusal's words lose ids and API field names and keep emails as typed")
    func refusalsInPeoplesWords() {
        #expect(
            ConsoleWords.plain("bo@example.org already has a pending invitation (01a24cef-1725-7a6d-832e-6dbc66efc6e1); resend or revoke it instead")
                == "bo@example.org already has a pending invitation; resend or revoke it instead."
        )
        #expect(
            ConsoleWords.plain("invitation 01a24cef-1725-7a6d-832e-6dbc66efc6e1 was revoked and cannot be resent")
                == "Invitation was revoked and cannot be resent."
        )
        #expect(
            ConsoleWords.plain("invitation_lifetime_days must be 1 to 30 days; got 99") == "The invitation lifetime must be 1 to 30 days; got 99."
        )
        #expect(ConsoleWords.plain("x@example.org is a member as org_admin.") == "x@example.org is a member as org admin.")
    }
}
