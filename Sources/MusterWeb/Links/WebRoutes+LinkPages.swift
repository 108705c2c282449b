import Hummingbird
import MusterDelivery
import MusterDomain
import MusterEngine
import MusterSecurity

extension WebRoutes {
    /// The pages an email's link opens. A GET only shows what the link is for, or why it no
    /// longer works — never the revoke reason, which is for staff — because mail scanners open
    /// links; only the button's POST accepts or signs in. The form is protected by a value
    /// both in a `SameSite=Strict` cookie and in the form (a page of another site can set
    /// neither), and by the request's origin.
    func registerLinkPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("/invitations/accept") { request, _ in
            let token = request.queryFields.value("token") ?? ""
            return await invitationPage(token: token, error: nil)
        }

        router.post("/invitations/accept") { request, context in
            // The body is read once: a refusal's page needs the token it carried.
            var token = ""
            do {
                let form = try await form(request, context: context)
                token = form["token"] ?? ""
                guard !token.isEmpty else { return await invitationPage(token: "", error: nil) }
                try checkLinkForm(form, request)
                let accepted = try await engine.acceptInvitation(token: token)
                let values: [String: Any] = [
                    "heading": "Welcome to \(try await orgName(accepted.invitation.orgID))",
                    "what": "You've joined as \(MailWords.english.role(accepted.invitation.role)), signed in as \(accepted.user.email.value).",
                    // The org allowed this origin when the invitation was made; nothing else is followed.
                    "next": accepted.invitation.redirect?.value ?? appURL ?? "/console",
                ]
                return pages.render("link_done", title: "Invitation accepted", values, cookies: sessionCookies(accepted.sessionToken))
            } catch {
                return await invitationPage(token: token, error: error)
            }
        }

        router.get("/auth/verify") { request, _ in
            let token = request.queryFields.value("token") ?? ""
            return await verifyPage(token: token, error: nil)
        }

        router.post("/auth/verify") { request, context in
            var token = ""
            do {
                let form = try await form(request, context: context)
                token = form["token"] ?? ""
                try checkLinkForm(form, request)
                let signedIn = try await engine.verifyLink(token: token)
                var values: [String: Any] = ["heading": "You're signed in", "what": "Signed in as \(signedIn.user.email.value)."]
                if let assignment = signedIn.activatedAssignment {
                    values["what"] = "You now have access to a case at \(assignment.orgName), as \(MailWords.english.mode(assignment.mode))."
                    values["next"] = appURL ?? "/console/caseload"
                } else {
                    values["next"] = appURL ?? "/console"
                }
                return pages.render("link_done", title: "Signed in", values, cookies: sessionCookies(signedIn.sessionToken))
            } catch {
                return await verifyPage(token: token, error: error)
            }
        }
    }

    /// The session cookie after a link or a password signed someone in, and the link form's
    /// cookie cleared.
    func sessionCookies(_ sessionToken: String) -> [Cookie] {
        [
            cookie(sessionCookie, sessionToken, maxAge: Int(policy.sessionLifetime.milliseconds / 1000)),
            cookie(formCookie, "", maxAge: 0),
        ]
    }

    /// Refuses a form posted without a session (a link page's, the sign-in page's) whose two
    /// halves of the form value disagree: the one in the form and the one in the cookie.
    func checkLinkForm(_ form: FormFields, _ request: Request) throws(WebRefusal) {
        guard let posted = form["csrf"], let kept = request.cookies[formCookie]?.value, Self.same(posted, kept) else {
            throw .staleForm
        }
    }

    private func orgName(_ orgID: OrganisationID) async throws -> String {
        try await engine.mailFacts(org: orgID).orgName
    }

    private func invitationPage(token: String, error: (any Error)?) async -> Response {
        let formValue = RandomSecret.token(prefix: "")
        var values: [String: Any] = ["token": token, "csrf": formValue]
        var status: HTTPResponse.Status = .ok
        var logoOrigin: String?
        do {
            guard !token.isEmpty else { throw DomainError(.tokenInvalid, "this link is incomplete; open it from the email again") }
            if let error { throw error }
            let preview = try await engine.previewInvitation(token: token)
            if let refusal = preview.refusal { throw refusal }
            // The org's branding: its accent as a same-site stylesheet, its logo from its own
            // https address (which the page's policy then allows for images, and nothing else).
            let settings = try await engine.mailFacts(org: preview.orgID).settings
            if settings.accentColour != nil { values["brandCSS"] = "/console/assets/orgs/\(preview.orgID)/accent.css" }
            if let logo = settings.logoURL {
                values["logo"] = logo
                logoOrigin = RedirectURL(checked: logo).origin
            }
            values["valid"] = true
            values["heading"] = "Join \(preview.orgName)"
            values["orgName"] = preview.orgName
            values["email"] = preview.email.value
            values["role"] = MailWords.english.role(preview.role)
            values["expiresAt"] = MailWords.english.date(preview.expiresAt)
        } catch {
            (status, values["reason"]) = Self.linkRefusal(error)
            values["heading"] = Self.linkHeading(error)
        }
        var response = pages.render(
            "link_invitation", title: values["heading"] as? String ?? "Invitation", values, status: status,
            cookies: [cookie(formCookie, formValue, maxAge: 3600)])
        if let logoOrigin, !logoOrigin.isEmpty { response.headers[WebPage.policyHeader] = WebPage.policy(imagesFrom: logoOrigin) }
        return response
    }

    private func verifyPage(token: String, error: (any Error)?) async -> Response {
        let formValue = RandomSecret.token(prefix: "")
        var values: [String: Any] = ["token": token, "csrf": formValue]
        var status: HTTPResponse.Status = .ok
        do {
            guard !token.isEmpty else { throw DomainError(.tokenInvalid, "this link is incomplete; open it from the email again") }
            if let error { throw error }
            let preview = try await engine.previewLink(token: token)
            if let refusal = preview.refusal { throw refusal }
            values["valid"] = true
            switch preview.purpose {
            case .signIn:
                values["heading"] = "Sign in to Muster"
            case .collaborator(let orgName, _, let mode):
                values["heading"] = "Work on a case with \(orgName)"
                values["orgName"] = orgName
                values["mode"] = MailWords.english.mode(mode)
            }
            values["expiresAt"] = preview.expiresAt.map(MailWords.english.date)
        } catch {
            (status, values["reason"]) = Self.linkRefusal(error)
            values["heading"] = Self.linkHeading(error)
        }
        return pages.render(
            "link_verify", title: values["heading"] as? String ?? "Sign in", values, status: status,
            cookies: [cookie(formCookie, formValue, maxAge: 3600)])
    }

    /// Why a link no longer works, in the words a person holding it should read.
    static func linkRefusal(_ error: any Error) -> (HTTPResponse.Status, String) {
        guard let error = error as? DomainError else { return explain(error) }
        switch error.code {
        case .invitationExpired, .tokenExpired: return (.gone, "This link has expired. Ask the organisation to send a new one.")
        case .invitationRevoked: return (.gone, "This invitation was withdrawn by the organisation. Ask them if you think that is a mistake.")
        case .invitationAlreadyAccepted, .tokenUsed: return (.gone, "This link has been used already. Sign in instead.")
        case .tokenSuperseded: return (.gone, "A newer email replaced this one. Use the link in the latest email.")
        case .collaboratorEnded: return (.gone, "This assignment has ended.")
        case .tokenInvalid, .invitationNotFound: return (.badRequest, "This link is not valid. Open it from the email again, copying all of it.")
        default: return explain(error)
        }
    }

    private static func linkHeading(_ error: any Error) -> String {
        switch (error as? DomainError)?.code {
        case .invitationExpired?, .tokenExpired?: "Link expired"
        case .invitationRevoked?: "Invitation withdrawn"
        case .invitationAlreadyAccepted?, .tokenUsed?: "Link already used"
        case .tokenSuperseded?: "Link replaced"
        default: "This link does not work"
        }
    }
}
