import Foundation
import HTTPTypes
import HummingbirdTesting
import MusterDomain
import MusterEngine
import NIOCore
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer
@testable import MusterWeb

/// The link pages and the console, from the outside: what a GET may do, what a form needs,
/// and what an attacker's page, cookie or link cannot do.
@Suite("Link pages and the console")
struct WebPagesTests {
    /// The fixture's deployment is served over https, so its cookies carry the `__Host-` prefix.
    static let sessionCookie = "__Host-muster_session"
    static let formCookie = "__Host-muster_form"

    /// A page request with the given cookies, form body and origin.
    static func page(
        _ api: API,
        _ method: HTTPRequest.Method,
        _ path: String,
        cookies: [String: String] = [:],
        form: String? = nil,
        origin: String? = nil
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        if let origin { headers[HTTPField.Name("Origin")!] = origin }
        return try await api.client.execute(uri: path, method: method, headers: headers, body: form.map { ByteBuffer(string: $0) }) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: response.body))
        }
    }

    /// The value of `name` in a page's `Set-Cookie` headers.
    static func setCookie(_ reply: Reply, _ name: String) -> String? {
        for field in reply.headers where field.name == .setCookie && field.value.hasPrefix("\(name)=") {
            return String(field.value.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    /// The hidden `csrf` value of a page's form.
    static func formValue(_ reply: Reply) -> String? {
        guard let range = reply.text.range(of: #"name="csrf" value=""#) else { return nil }
        return String(reply.text[range.upperBound...].prefix { $0 != "\"" })
    }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    /// Opens the console's sign-in page and posts its password form, as a browser would.
    static func consolePasswordSignIn(_ api: API, email: String, password: String) async throws -> Reply {
        let login = try await page(api, .get, "/console/login")
        let cookie = try #require(setCookie(login, formCookie))
        return try await page(
            api,
            .post,
            "/console/login/password",
            cookies: [formCookie: cookie],
            form: "email=\(encoded(email))&password=\(encoded(password))&csrf=\(try #require(formValue(login)))"
        )
    }

    /// Invites `email` to `org` as `role` and accepts through the page; returns the console
    /// session cookie.
    static func member(_ api: API, _ org: String, _ email: String, role: String) async throws -> String {
        _ = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "\#(email)", "role": "\#(role)"}"#)
        return try await signIn(api, email)
    }

    /// Accepts `email`'s invitation through the page; returns the console session cookie.
    static func signIn(_ api: API, _ email: String, after count: Int? = nil) async throws -> String {
        let token = try await api.linkToken(to: email, after: count)
        let preview = try await page(api, .get, "/invitations/accept?token=\(encoded(token))")
        let formCookie = try #require(setCookie(preview, Self.formCookie))
        let accepted = try await page(
            api,
            .post,
            "/invitations/accept",
            cookies: [Self.formCookie: formCookie],
            form: "token=\(encoded(token))&csrf=\(try #require(formValue(preview)))"
        )
        #expect(accepted.status == 200, "\(accepted.text)")
        return try #require(setCookie(accepted, Self.sessionCookie))
    }

    @Test("Attacker: a quote carrying a combining mark in an org's name is still escaped on the link page")
    func aCombiningMarkDoesNotHideAQuote() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            // One Character, `"` and U+0301, which swift-mustache's own escaping let through.
            let created = try await api.post("/v1/orgs", token: api.admin, "{\"name\": \"Riverside \\\"\u{301} autofocus data-x=\\\"y\"}")
            let org = try #require(created.json["id"]?.string, "\(created.text)")
            _ = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "ann@example.org", "role": "caseworker"}"#)
            let token = try await api.linkToken(to: "ann@example.org")
            let preview = try await Self.page(api, .get, "/invitations/accept?token=\(Self.encoded(token))")
            #expect(preview.status == 200)
            let escaped = "Riverside &quot;\u{301} autofocus data-x=&quot;y"
            let raw = "\"\u{301}"
            #expect(preview.text.contains(escaped), "\(preview.text)")
            #expect(!preview.text.contains(raw))
        }
    }

    @Test(
        "Opening a link changes nothing; the button's POST accepts once; the page has a strict policy and sets an HttpOnly, SameSite=Strict session"
    )
    func linksOpenSafelyAndAcceptOnce() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org("Riverside <Housing>")
            _ = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "ann@example.org", "role": "caseworker"}"#)
            let token = try await api.linkToken(to: "ann@example.org")
            for _ in 0..<3 {
                let preview = try await Self.page(api, .get, "/invitations/accept?token=\(Self.encoded(token))")
                #expect(preview.status == 200)
                #expect(preview.text.contains("Riverside &lt;Housing&gt;") && !preview.text.contains("<Housing>"), "names are text, never markup")
                #expect(preview.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
                #expect(preview.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            }
            let listed = try await api.get("/v1/orgs/\(org)/invitations?email=ann@example.org", token: api.admin)
            #expect(listed.json["items"]?.array.first?["status"]?.string == "pending", "a GET, however often, accepts nothing")

            let session = try await Self.signIn(api, "ann@example.org")
            let accepted = try await api.get("/v1/orgs/\(org)/invitations?email=ann@example.org", token: api.admin)
            #expect(accepted.json["items"]?.array.first?["status"]?.string == "accepted")
            let again = try await Self.page(api, .get, "/invitations/accept?token=\(Self.encoded(token))")
            #expect(again.status == 410 && again.text.contains("used already"))
            let home = try await Self.page(api, .get, "/console", cookies: [Self.sessionCookie: session])
            #expect(home.status == 200 && home.text.contains("ann@example.org"))
            #expect(try await Self.page(api, .get, "/console").status == 303, "without a session, the sign-in page")
        }
    }

    @Test("A revoked invitation's page says it was withdrawn, never the staff's reason")
    func revokedLinksKeepTheReason() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let invited = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "eve@example.org", "role": "viewer"}"#)
            let id = try #require(invited.json["id"]?.string)
            let token = try await api.linkToken(to: "eve@example.org")
            _ = try await api.post("/v1/orgs/\(org)/invitations/\(id)/revoke", token: api.admin, #"{"reason": "flagged by HR: do not engage"}"#)
            let page = try await Self.page(api, .get, "/invitations/accept?token=\(Self.encoded(token))")
            #expect(page.status == 410 && page.text.contains("withdrawn"))
            #expect(!page.text.contains("HR") && !page.text.contains("do not engage"))
            let garbage = try await Self.page(api, .get, "/invitations/accept?token=mk1.forged")
            #expect(garbage.status == 400 && garbage.text.contains("not valid"))
        }
    }

    @Test("A console form needs the session's form token and this site's origin; a cookie never authorises the API; nothing changes when refused")
    func formsResistForgery() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let session = try await Self.member(api, org, "ann@example.org", role: "org_admin")
            let users = try await Self.page(api, .get, "/console/orgs/\(org)/users", cookies: [Self.sessionCookie: session])
            let formToken = try #require(Self.formValue(users))
            let path = "/console/orgs/\(org)/invitations"
            let body = "email=mallory%40example.org&role=org_admin&method=email"

            let forged = try await Self.page(api, .post, path, cookies: [Self.sessionCookie: session], form: body)
            #expect(forged.status == 403 && forged.text.contains("expired"), "no form token: \(forged.status)")
            let wrong = try await Self.page(
                api,
                .post,
                path,
                cookies: [Self.sessionCookie: session],
                form: body + "&csrf=\(String(repeating: "0", count: 64))"
            )
            #expect(wrong.status == 403)
            let foreign = try await Self.page(
                api,
                .post,
                path,
                cookies: [Self.sessionCookie: session],
                form: body + "&csrf=\(formToken)",
                origin: "https://evil.example"
            )
            #expect(foreign.status == 403 && foreign.text.contains("another site"))
            let invitations = try await api.get("/v1/orgs/\(org)/invitations?email=mallory@example.org", token: api.admin)
            #expect(invitations.json["items"]?.array.isEmpty == true, "no forged form changed anything")

            let honest = try await Self.page(api, .post, path, cookies: [Self.sessionCookie: session], form: body + "&csrf=\(formToken)")
            #expect(honest.status == 303, "\(honest.text)")

            var cookieOnly: HTTPFields = [:]
            cookieOnly[.cookie] = "\(Self.sessionCookie)=\(session)"
            let api401 = try await api.client.execute(uri: "/v1/me", method: .get, headers: cookieOnly)
            #expect(api401.status == .unauthorized, "the console's cookie is not an API credential")
        }
    }

    @Test("The console holds the API's rules: another org's member is told it does not exist; a viewer's revoke is refused and changes nothing")
    func theConsoleHoldsTheAPIsRules() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let other = try await api.org("Hillside")
            let outsider = try await Self.member(api, other, "eve@example.org", role: "org_admin")
            let peek = try await Self.page(api, .get, "/console/orgs/\(org)/users", cookies: [Self.sessionCookie: outsider])
            #expect(peek.status == 404 && !peek.text.contains("Riverside"), "\(peek.status)")

            let viewer = try await Self.member(api, org, "vic@example.org", role: "viewer")
            let pending = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "new@example.org", "role": "viewer"}"#)
            let id = try #require(pending.json["id"]?.string)
            let users = try await Self.page(api, .get, "/console/orgs/\(org)/users?tab=invitations", cookies: [Self.sessionCookie: viewer])
            let formToken = try #require(Self.formValue(users))
            let revoke = try await Self.page(
                api,
                .post,
                "/console/orgs/\(org)/invitations/\(id)/revoke",
                cookies: [Self.sessionCookie: viewer],
                form: "csrf=\(formToken)&reason=mine"
            )
            #expect(revoke.status == 403 && revoke.text.contains("users.revoke"), "\(revoke.status) \(revoke.text)")
            let still = try await api.get("/v1/orgs/\(org)/invitations/\(id)", token: api.admin)
            #expect(still.json["status"]?.string == "pending")
        }
    }

    @Test("The console's password sign-in keeps the API's limits: past ten failures even the right password waits; a refused accept says why")
    func consolePasswordsAreThrottled() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let created = try await api.post(
                "/v1/orgs/\(org)/users",
                token: api.admin,
                #"{"email": "tom@example.org", "full_name": "Tom", "role": "viewer"}"#
            )
            let password = try #require(created.json["temporary_password"]?.string, "\(created.text)")
            func attempt(_ guess: String) async throws -> Reply {
                try await Self.consolePasswordSignIn(api, email: "tom@example.org", password: guess)
            }
            for index in 0..<10 {
                #expect(try await attempt("wrong-\(index)").status == 401)
            }
            let throttled = try await attempt(password)
            #expect(throttled.status == 429 && throttled.text.contains("Too many failed sign-ins"), "\(throttled.status)")
            #expect(
                try await api.post("/v1/auth/password", #"{"email": "tom@example.org", "password": "\#(password)"}"#).status == 429,
                "the API and the console count together"
            )

            let invited = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "eve@example.org", "role": "viewer"}"#)
            let token = try await api.linkToken(to: "eve@example.org")
            let preview = try await Self.page(api, .get, "/invitations/accept?token=\(Self.encoded(token))")
            _ = try await api.post("/v1/orgs/\(org)/invitations/\(try #require(invited.json["id"]?.string))/revoke", token: api.admin)
            let refused = try await Self.page(
                api,
                .post,
                "/invitations/accept",
                cookies: [Self.formCookie: try #require(Self.setCookie(preview, Self.formCookie))],
                form: "token=\(Self.encoded(token))&csrf=\(try #require(Self.formValue(preview)))"
            )
            #expect(refused.status == 410 && refused.text.contains("withdrawn"), "\(refused.status)")
        }
    }

    /// The attack: guessing one password at each of many accounts from one address, through
    /// the console's door, which used to count per account only — so it never waited, where the
    /// API answers 429 from the 31st guess. Over a real socket, so the client has an address.
    @Test(
        "The console counts failed sign-ins per client address too, in the API's own buckets: guesses at many accounts wait from the 31st, whichever door"
    )
    func consolePasswordGuessesAreLimitedPerAddress() async throws {
        let fixture = try ServerFixture()
        try await fixture.runLive { api, _ in
            func attempt(_ email: String) async throws -> Reply {
                try await Self.consolePasswordSignIn(api, email: email, password: "guess")
            }
            // 25 guesses through the console and 5 through the API, each at another account:
            // every account stays far under its own limit of ten.
            for index in 0..<25 {
                let reply = try await attempt("person\(index)@example.org")
                #expect(reply.status == 401, "guess \(index + 1): \(reply.status)")
            }
            for index in 25..<30 {
                let reply = try await api.post("/v1/auth/password", #"{"email": "person\#(index)@example.org", "password": "guess"}"#)
                #expect(reply.status == 401, "guess \(index + 1): \(reply.text)")
            }
            let throttled = try await attempt("person30@example.org")
            #expect(throttled.status == 429, "the 31st guess from one address waits on the console: \(throttled.status)")
            #expect(throttled.text.contains("Too many failed sign-ins") && throttled.text.contains("Try again later"), "\(throttled.text)")
            #expect(throttled.headers[.retryAfter].flatMap { Int($0) }.map { $0 > 0 } == true)
            let api31 = try await api.post("/v1/auth/password", #"{"email": "person31@example.org", "password": "guess"}"#)
            #expect(api31.status == 429, "the console's guesses count at the API's door too: \(api31.text)")
        }
    }

    @Test("Signing out ends the session on the server, form token or not; a page of another site cannot sign anyone out")
    func signingOutEndsTheSession() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let session = try await Self.member(api, org, "ann@example.org", role: "viewer")
            let foreign = try await Self.page(
                api,
                .post,
                "/console/logout",
                cookies: [Self.sessionCookie: session],
                form: "",
                origin: "https://evil.example"
            )
            #expect(foreign.status == 303)
            #expect(try await api.get("/v1/me", token: session).status == 200, "another site's form ended nothing")

            let out = try await Self.page(api, .post, "/console/logout", cookies: [Self.sessionCookie: session], form: "csrf=stale")
            #expect(out.status == 303 && Self.setCookie(out, Self.sessionCookie) == "")
            #expect(try await api.get("/v1/me", token: session).status == 401, "the session is over, not just forgotten by the browser")
            #expect(try await Self.page(api, .get, "/console", cookies: [Self.sessionCookie: session]).status == 303)
        }
    }

    @Test("Over https the cookies are Secure with the __Host- prefix; over plain http they have neither")
    func cookiesFollowTheScheme() async throws {
        for (base, name, secure) in [("https://app.example.org/", "__Host-muster_form", true), ("http://127.0.0.1:8080", "muster_form", false)] {
            let fixture = try ServerFixture(configure: { $0.publicBaseURL = base })
            try await fixture.run { api in
                let login = try await Self.page(api, .get, "/console/login")
                let field = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("\(name)=") }, "\(base)")
                #expect(field.contains("HttpOnly") && field.contains("SameSite=Strict") && field.contains("Path=/"))
                #expect(field.contains("Secure") == secure, "\(field)")
                #expect(!field.contains("Domain="), "a host-only cookie")
            }
        }
    }
}
