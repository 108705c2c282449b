import Hummingbird
import MusterDomain
import MusterEngine
import MusterWords

extension WebRoutes {
    /// Settings → the organisation: its name and every setting an org admin has in the API —
    /// invitation lifetime, allowed email domains, default language, Reply-To, the origins an
    /// invitation may redirect to, and the logo and accent colour of its emails and pages.
    func registerSettings<Context: RequestContext>(on router: Router<Context>) {
        page(router, "/console/orgs/{org}/settings") { request, context, session in
            try await settingsPage(
                try Self.orgID(context),
                session,
                notice: request.queryFields["done"] == "settings" ? session.words("notice.settings") : nil
            )
        }

        action(
            router,
            "/console/orgs/{org}/settings",
            { _, context, session, form in
                let orgID = try Self.orgID(context)
                _ = try await engine.updateOrganisation(orgID, try Self.organisationUpdate(form), by: session.principal)
                return WebPage.redirect(to: "/console/orgs/\(orgID)/settings?done=settings")
            },
            onError: { _, context, session, typed, message, status in
                return try await settingsPage(try Self.orgID(context), session, error: message, status: status, typed: typed)
            }
        )
    }

    /// The update a settings form asks for: every field as typed, a blank one back to the
    /// deployment's default (the name excepted: it is required).
    static func organisationUpdate(_ form: FormFields) throws(DomainError) -> OrgCommand.OrganisationUpdate {
        func text(_ name: String) -> String? {
            let value = form[name]?.trimmingWhitespace() ?? ""
            return value.isEmpty ? nil : value
        }
        func list(_ name: String) -> [String] {
            (form[name] ?? "").split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init)
        }
        var update = OrgCommand.OrganisationUpdate()
        update.name = form["name"] ?? ""
        if let days = text("invitation_lifetime_days") {
            guard let number = Int(days) else {
                throw .validation(
                    "the invitation lifetime must be a whole number of days, \(OrgSettings.invitationLifetimeDays.lowerBound) to \(OrgSettings.invitationLifetimeDays.upperBound)"
                )
            }
            update.invitationLifetimeDays = .set(number)
        } else {
            update.invitationLifetimeDays = .reset
        }
        let domains = list("allowed_email_domains")
        update.allowedEmailDomains = domains.isEmpty ? .reset : .set(domains)
        update.defaultLocale =
            try text("default_locale").map { (raw) throws(DomainError) in .set(try LocaleTag(raw, field: "the default language")) } ?? .reset
        update.replyTo = try text("reply_to_email").map { (raw) throws(DomainError) in .set(try EmailAddress(raw)) } ?? .reset
        let origins = list("allowed_redirect_origins")
        update.allowedRedirectOrigins = origins.isEmpty ? .reset : .set(origins)
        update.logoURL = text("logo_url").map { .set($0) } ?? .reset
        update.accentColour = text("accent_colour").map { .set($0) } ?? .reset
        return update
    }

    func settingsPage(
        _ orgID: OrganisationID,
        _ session: ConsoleSession,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        typed: FormFields? = nil
    ) async throws -> Response {
        var values: [String: Any] = [:]
        let access = try await orgHeader(orgID, session, tab: "navSettings", into: &values)
        guard access.isOrgAdmin else { throw DomainError.forbidden("changing the organisation's settings needs the org admin role") }
        let org = try await engine.organisation(orgID, by: session.principal)
        let settings = org.settings
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        // A refused form shows what was typed, so nothing has to be typed twice.
        let shown: [String: String] = [
            "name": typed?["name"] ?? org.name,
            "days": typed?["invitation_lifetime_days"] ?? settings.invitationLifetimeDays.map(String.init) ?? "",
            "domains": typed?["allowed_email_domains"] ?? settings.allowedEmailDomains.joined(separator: "\n"),
            "locale": typed?["default_locale"] ?? settings.defaultLocale?.value ?? "",
            "replyTo": typed?["reply_to_email"] ?? settings.replyTo?.value ?? "",
            "origins": typed?["allowed_redirect_origins"] ?? settings.allowedRedirectOrigins.joined(separator: "\n"),
            "logo": typed?["logo_url"] ?? settings.logoURL ?? "",
            "colour": typed?["accent_colour"] ?? settings.accentColour ?? "",
        ]
        values["form"] = shown
        values["defaultDays"] = Int(policy.invitationLifetime.milliseconds / 86_400_000)
        values["defaultLocale"] = policy.defaultLocale.value
        let words = session.words
        values["languages"] = [
            ("", words("settings.deployment_language", ["code": policy.defaultLocale.value])), ("en", Language.english.ownName),
            ("cy", Language.welsh.ownName),
        ].map { code, label in
            ["value": code, "label": label, "selected": code == shown["locale"]]
        }
        return pages.render("settings", title: words("common.settings"), values, status: status)
    }
}
