import HTTPTypes
import Hummingbird
import MusterDomain
import MusterEngine
import MusterSecurity
import MusterWords
import NIOCore

extension WebRoutes {
    /// Signing in and out of the console, the home page, and the temporary-password change.
    /// The context names the client's address: password guesses count against it as on the API.
    func registerSignIn<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.get("/console/login") { request, _ in
            if await session(request) != nil { return WebPage.redirect(to: "/console") }
            return loginPage(error: nil, status: .ok, words(request))
        }

        // The language link in every console page's header: the choice is kept in a cookie
        // for a year, and the person goes on to the console's home.
        router.get("/console/language/{code}") { _, context in
            guard let language = context.parameters.get("code").flatMap(Language.init(rawValue:)) else { return Response(status: .notFound) }
            return WebPage.redirect(to: "/console", cookies: [cookie(Self.languageCookie, language.rawValue, maxAge: 365 * 86_400)])
        }

        router.post("/console/login/link") { request, context in
            do {
                let form = try await anonymousForm(request, context: context)
                let email = try EmailAddress(form["email"] ?? "")
                let engine = try engine
                // The same answer, at once, whether or not the email has an account and however
                // often it is asked: the link is issued behind the answer, and beyond the limit
                // no email goes out.
                if throttle.allowLink(to: email, at: engine.now) {
                    let issue = Task { _ = try? await engine.requestSignInLink(email: email) }
                    _ = issue
                }
                var values: [String: Any] = ["email": email.value]
                ConsoleSession.fill(&values, words(request))
                return pages.render("login_sent", title: words(request)("login.check_your_email"), values)
            } catch {
                let (status, text) = Self.explain(error, words(request))
                return loginPage(error: text, status: status, words(request))
            }
        }

        router.post("/console/login/password") { request, context in
            do {
                let form = try await anonymousForm(request, context: context)
                let email = try EmailAddress(form["email"] ?? "")
                let engine = try engine
                // The API's door and this one count under the same keys of one throttle: per
                // account, known or not, and per client address, so guesses at many accounts
                // from one address wait here as they do there, and the two doors add up.
                let signedIn = try await throttle.checked(Self.passwordSignInKeys(email, context), at: engine.now) {
                    try await engine.passwordSignIn(email: email, password: form["password"] ?? "")
                }
                throttle.clear(.account(email))
                return WebPage.redirect(to: "/console", cookies: sessionCookies(signedIn.sessionToken))
            } catch let error as DomainError where error.code == .rateLimited {
                return tooManySignIns(error, words(request))
            } catch {
                let (status, text) = Self.explain(error, words(request))
                return loginPage(error: text, status: status, words(request))
            }
        }

        // Signing out needs no form token: it only takes away the caller's own session, and
        // a page of another site sends neither the cookie nor its own origin. Whatever the
        // form held, the session ends on the server, not just in this browser.
        router.post("/console/logout") { request, context in
            if let session = await session(request), (try? await form(request, context: context)) != nil {
                try? await engine.logout(sessionToken: session.token)
            }
            return WebPage.redirect(to: "/console/login", cookies: [cookie(sessionCookie, "", maxAge: 0)])
        }

        router.get("/console/password") { request, _ in
            guard let session = await session(request) else { return WebPage.redirect(to: "/console/login") }
            var values: [String: Any] = ["passwordRule": PasswordHasher.rule, "passwordMinimum": PasswordHasher.minimumLength]
            session.fill(&values)
            return pages.render("password", title: session.words("password.title"), values)
        }

        router.post("/console/password") { request, context in
            guard let session = await session(request) else { return WebPage.redirect(to: "/console/login") }
            do {
                let form = try await form(request, context: context)
                guard let posted = form["csrf"], Self.same(posted, session.formToken) else { throw WebRefusal.staleForm }
                let engine = try engine
                try await throttle.checked([.user(session.userID)], at: engine.now) {
                    try await engine.changePassword(userID: session.userID, current: form["current"] ?? "", new: form["new"] ?? "")
                }
                // Changing the password ends every session: sign in again.
                return WebPage.redirect(to: "/console/login", cookies: [cookie(sessionCookie, "", maxAge: 0)])
            } catch {
                let (status, text) = Self.explain(error, session.words)
                var values: [String: Any] = ["error": text, "passwordRule": PasswordHasher.rule, "passwordMinimum": PasswordHasher.minimumLength]
                session.fill(&values)
                return pages.render("password", title: session.words("password.title"), values, status: status)
            }
        }

        page(router, "/console") { _, _, session in
            let profile = try await engine.profile(of: session.userID)
            // A support worker, on no org's staff, has their caseload as their home.
            if !profile.memberships.contains(where: \.isActive), !(try await engine.caseload(of: session.userID)).isEmpty {
                return WebPage.redirect(to: "/console/caseload")
            }
            var values: [String: Any] = [
                "greeting": profile.user.fullName ?? profile.user.email.value, "email": profile.user.email.value,
                "orgs": profile.memberships.filter(\.isActive).map {
                    [
                        "id": $0.orgID.description, "name": $0.orgName, "role": session.words.mail.role($0.role),
                        "mayViewUsers": $0.permissions.contains(.usersView), "mayManageRoles": $0.permissions.contains(.usersManageRoles),
                        "mayChangeSettings": $0.role == .orgAdmin,
                    ]
                },
            ]
            session.fill(&values)
            return pages.render("home", title: session.words("layout.home"), values)
        }
    }

    /// The fields of a form posted without a session (signing in): its origin is checked and
    /// it must carry the value of the page's form cookie.
    func anonymousForm<Context: RequestContext>(_ request: Request, context: Context) async throws -> FormFields {
        let form = try await form(request, context: context)
        try checkLinkForm(form, request)
        return form
    }

    /// What a password sign-in is counted under: the account (by email, whether or not it
    /// exists) and the client's address as the socket sees it — the keys the API's password
    /// sign-in counts under too.
    private static func passwordSignInKeys(_ email: EmailAddress, _ context: some RemoteAddressRequestContext) -> [SignInThrottle.Key] {
        var keys: [SignInThrottle.Key] = [.account(email)]
        if let address = context.remoteAddress?.ipAddress { keys.append(.client(address)) }
        return keys
    }

    /// The sign-in page when the sign-in limits make the caller wait: 429 with `Retry-After`,
    /// saying plainly to try again later or use an emailed link.
    private func tooManySignIns(_ error: DomainError, _ words: ConsoleText) -> Response {
        let seconds = error.retryAfter.map { Int(($0.milliseconds + 999) / 1000) }
        let wait =
            seconds.map {
                $0 > 90 ? words("login.wait_minutes", ["count": String(($0 + 59) / 60)]) : words("login.wait_seconds", ["count": String($0)])
            }
            ?? words("login.wait_few_minutes")
        var response = loginPage(error: words("login.too_many", ["wait": wait]), status: .tooManyRequests, words)
        if let seconds { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    private func loginPage(error: String?, status: HTTPResponse.Status, _ words: ConsoleText) -> Response {
        let formValue = RandomSecret.token(prefix: "")
        var values: [String: Any] = ["csrf": formValue]
        ConsoleSession.fill(&values, words)
        if let error { values["error"] = error }
        return pages.render("login", title: words("login.sign_in"), values, status: status, cookies: [cookie(formCookie, formValue, maxAge: 3600)])
    }
}
