import Hummingbird
import MusterDomain
import MusterEngine
import MusterSecurity
import MusterWords

extension WebRoutes {
    /// The pages an email's link opens. A GET only shows what the link is for, or why it no
    /// longer works — never the revoke reason, which is for staff — because mail scanners open
    /// links; only the button's POST accepts or signs in. The form is protected by a value
    /// both in a `SameSite=Strict` cookie and in the form (a page of another site can set
    /// neither), and by the request's origin.
    func registerLinkPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/invitations/accept") { request, _ in
            let token = request.queryFields.value("token") ?? ""
            return await invitationPage(token: token, error: nil, request: request)
        }

        router.post("/invitations/accept") { request, context in
            // The body is read once: a refusal's page needs the token it carried.
            var token = ""
            do {
                let form = try await form(request, context: context)
                token = form["token"] ?? ""
                guard !token.isEmpty else { return await invitationPage(token: "", error: nil, request: request) }
                try checkLinkForm(form, request)
                let accepted = try await engine.acceptInvitation(token: token)
                let words = language(request, first: accepted.invitation.locale, org: accepted.settings.defaultLocale)
                let values: [String: Any] = [
                    "lang": words.language, "skip": words.skip,
                    "heading": words.welcome(accepted.orgName),
                    "what": words.joined(words.mail.role(accepted.invitation.role), accepted.user.email.value),
                    "nextLabel": words.next,
                    // The org allowed this origin when the invitation was made and allows it
                    // still (the engine checked); nothing else is followed.
                    "next": accepted.invitation.redirect?.value ?? appURL ?? "/console",
                ]
                return pages.render(
                    "link_done",
                    title: words.welcome(accepted.orgName),
                    values,
                    cookies: sessionCookies(accepted.sessionToken, language: words.language)
                )
            } catch {
                return await invitationPage(token: token, error: error, request: request)
            }
        }

        router.get("/auth/verify") { request, _ in
            let token = request.queryFields.value("token") ?? ""
            return await verifyPage(token: token, error: nil, request: request)
        }

        router.post("/auth/verify") { request, context in
            var token = ""
            do {
                let form = try await form(request, context: context)
                token = form["token"] ?? ""
                try checkLinkForm(form, request)
                let signedIn = try await engine.verifyLink(token: token)
                var values: [String: Any] = [:]
                let words: LinkPageWords
                if let assignment = signedIn.activatedAssignment {
                    words = language(request, org: signedIn.orgLocale)
                    values["what"] = words.caseAccess(assignment.orgName, words.mail.mode(assignment.mode))
                    // The org allows this origin now (the engine checked); nothing else is followed.
                    values["next"] = signedIn.redirect?.value ?? appURL ?? "/console/caseload"
                } else {
                    words = language(request)
                    values["what"] = words.signedInAs(signedIn.user.email.value)
                    values["next"] = appURL ?? "/console"
                }
                values["heading"] = words.signedInHeading
                values["nextLabel"] = words.next
                values["lang"] = words.language
                values["skip"] = words.skip
                return pages.render(
                    "link_done",
                    title: words.signedInHeading,
                    values,
                    cookies: sessionCookies(signedIn.sessionToken, language: words.language)
                )
            } catch {
                return await verifyPage(token: token, error: error, request: request)
            }
        }
    }

    /// The words of a link page: in `first` (an invitation's own language), else the
    /// browser's, else the org's, else the deployment's.
    func language(_ request: Request, first: LocaleTag? = nil, org: LocaleTag? = nil) -> LinkPageWords {
        let browser: [LocaleTag?] = Language.accepted(request.headers[.acceptLanguage])
        return LinkPageWords.choose([first] + browser + [org, policy.defaultLocale])
    }

    /// The session cookie after a link or a password signed someone in, and the link form's
    /// cookie cleared. A link page passes its `language`: the person read it there, so the
    /// console goes on in it (until they choose another with the language link).
    func sessionCookies(_ sessionToken: String, language: String? = nil) -> [Cookie] {
        [
            cookie(sessionCookie, sessionToken, maxAge: Int(policy.sessionLifetime.milliseconds / 1000)),
            cookie(formCookie, "", maxAge: 0),
        ] + (language.map { [cookie(Self.languageCookie, $0, maxAge: 365 * 86_400)] } ?? [])
    }

    /// Refuses a form posted without a session (a link page's, the sign-in page's) whose two
    /// halves of the form value disagree: the one in the form and the one in the cookie.
    func checkLinkForm(_ form: FormFields, _ request: Request) throws(WebRefusal) {
        guard let posted = form["csrf"], let kept = request.cookies[formCookie]?.value, Self.same(posted, kept) else {
            throw .staleForm
        }
    }

    private func invitationPage(token: String, error: (any Error)?, request: Request) async -> Response {
        let formValue = RandomSecret.token(prefix: "")
        var values: [String: Any] = ["token": token, "csrf": formValue]
        var status: HTTPResponse.Status = .ok
        var logoOrigin: String?
        var words = language(request)
        do {
            guard !token.isEmpty else { throw DomainError(.tokenInvalid, "this link is incomplete; open it from the email again") }
            if let error { throw error }
            let preview = try await engine.previewInvitation(token: token)
            // The org's branding: its accent as a same-site stylesheet, its logo from its own
            // https address (which the page's policy then allows for images, and nothing else).
            let settings = preview.settings
            words = language(request, first: preview.locale, org: settings.defaultLocale)
            if let refusal = preview.refusal { throw refusal }
            if let colour = settings.accentColour { values["brandCSS"] = "/console/assets/accent/\(colour.dropFirst()).css" }
            if let logo = settings.logoURL {
                values["logo"] = logo
                logoOrigin = RedirectURL(checked: logo).origin
            }
            values["valid"] = true
            values["heading"] = words.join(preview.orgName)
            values["orgName"] = preview.orgName
            values["invited"] = words.invited(preview.orgName, words.mail.role(preview.role), preview.email.value)
            values["expires"] = words.invitationExpires(words.mail.date(preview.expiresAt))
            values["accept"] = words.accept
        } catch {
            (status, values["heading"], values["reason"]) = Self.linkRefusal(error, words)
        }
        values["lang"] = words.language
        values["skip"] = words.skip
        values["goToSignIn"] = words.goToSignIn
        var response = pages.render(
            "link_invitation",
            title: values["heading"] as? String ?? "Invitation",
            values,
            status: status,
            cookies: [cookie(formCookie, formValue, maxAge: 3600)]
        )
        if let logoOrigin, !logoOrigin.isEmpty { response.headers[WebPage.policyHeader] = WebPage.policy(imagesFrom: logoOrigin) }
        return response
    }

    private func verifyPage(token: String, error: (any Error)?, request: Request) async -> Response {
        let formValue = RandomSecret.token(prefix: "")
        var values: [String: Any] = ["token": token, "csrf": formValue]
        var status: HTTPResponse.Status = .ok
        let words = language(request)
        do {
            guard !token.isEmpty else { throw DomainError(.tokenInvalid, "this link is incomplete; open it from the email again") }
            if let error { throw error }
            let preview = try await engine.previewLink(token: token)
            if let refusal = preview.refusal { throw refusal }
            values["valid"] = true
            switch preview.purpose {
            case .signIn:
                values["heading"] = words.signInHeading
                values["what"] = words.signInLink
            case .collaborator(let orgName, _, let mode):
                values["heading"] = words.caseHeading(orgName)
                values["what"] = words.caseInvited(orgName, words.mail.mode(mode))
            }
            values["expires"] = preview.expiresAt.map { words.linkExpires(words.mail.date($0)) }
            values["signIn"] = words.signIn
        } catch {
            (status, values["heading"], values["reason"]) = Self.linkRefusal(error, words)
        }
        values["lang"] = words.language
        values["skip"] = words.skip
        values["goToSignIn"] = words.goToSignIn
        return pages.render(
            "link_verify",
            title: values["heading"] as? String ?? "Sign in",
            values,
            status: status,
            cookies: [cookie(formCookie, formValue, maxAge: 3600)]
        )
    }

    /// Why a link no longer works, in the words a person holding it should read: the status,
    /// a heading, and what to do. Never the revoke reason, which is for staff.
    static func linkRefusal(_ error: any Error, _ words: LinkPageWords) -> (HTTPResponse.Status, String, String) {
        guard let error = error as? DomainError else {
            let (status, text) = explain(error, words.console)
            return (status, words.refusal(nil).heading, text)
        }
        let status: HTTPResponse.Status
        switch error.code {
        case .invitationExpired, .tokenExpired, .invitationRevoked, .invitationAlreadyAccepted, .tokenUsed, .tokenSuperseded, .collaboratorEnded:
            status = .gone
        case .tokenInvalid, .invitationNotFound:
            status = .badRequest
        default:
            // Anything else (an email domain no longer allowed, say) in the server's own words.
            let (status, text) = explain(error, words.console)
            return (status, words.refusal(nil).heading, text)
        }
        let (heading, text) = words.refusal(error.code)
        return (status, heading, text)
    }
}
