extension OrgState {
    /// How long an invitation sent now stays acceptable: the days asked for it, else the org's
    /// setting, else the deployment's.
    public func invitationLifetime(days requested: Int?, policy: Policy) -> Span {
        if let days = requested ?? settings.invitationLifetimeDays { return .days(Int64(days)) }
        return policy.invitationLifetime
    }

    /// The locale of an email the org sends: the one asked for, else the org's default, else
    /// the deployment's.
    public func emailLocale(requested: LocaleTag?, policy: Policy) -> LocaleTag {
        requested ?? settings.defaultLocale ?? policy.defaultLocale
    }

    /// Refuses `email` when the org lists allowed domains and its domain is not one of them.
    public func requireAllowedDomain(_ email: EmailAddress, toDo action: String) throws(DomainError) {
        guard settings.allows(email) else {
            throw DomainError(
                .emailDomainNotAllowed,
                "\(action) needs an address at \(settings.allowedEmailDomains.joined(separator: ", ")); \(email.domain) is not one of this organisation's allowed email domains"
            )
        }
    }

    /// The invitation as its invitee is answered: its redirect only while the org still allows
    /// the redirect's origin, so taking an origin off the list stops links already sent.
    public func invitationAsAnswered(_ invitationID: InvitationID) -> Invitation {
        var invitation = invitations[invitationID]!
        if let redirect = invitation.redirect, !settings.allows(redirect) { invitation.redirect = nil }
        return invitation
    }

    /// Where a collaborator's link leads after they sign in: their redirect while the org still
    /// allows its origin.
    public func collaboratorRedirect(_ collaboratorID: CollaboratorID) -> RedirectURL? {
        guard let redirect = collaborators[collaboratorID]?.redirect, settings.allows(redirect) else { return nil }
        return redirect
    }

    /// Refuses `redirect` unless its origin is one the org allows.
    func requireAllowedRedirect(_ redirect: RedirectURL) throws(DomainError) {
        guard settings.allows(redirect) else {
            let allowed =
                settings.allowedRedirectOrigins.isEmpty
                ? "this organisation allows no redirects" : "this organisation allows only \(settings.allowedRedirectOrigins.joined(separator: ", "))"
            throw DomainError(.redirectNotAllowed, "redirect_url goes to \(redirect.origin), which is not an allowed redirect origin; \(allowed)")
        }
    }

    /// Checks the days asked for one invitation.
    static func requireLifetimeDays(_ days: Int?, field: String) throws(DomainError) {
        if let days, !OrgSettings.invitationLifetimeDays.contains(days) {
            throw .validation(
                "\(field) must be \(OrgSettings.invitationLifetimeDays.lowerBound) to \(OrgSettings.invitationLifetimeDays.upperBound) days; got \(days)"
            )
        }
    }

    func decideUpdateOrganisation(_ update: OrgCommand.OrganisationUpdate, by principal: Principal, policy: Policy) throws(DomainError) -> [OrgEvent]
    {
        try requireStaff(principal, toDo: "change the organisation")
        guard isOrgAdmin(principal) else { throw .forbidden("changing the organisation's name or settings needs the org_admin role") }
        let newName = try update.name.map { (name) throws(DomainError) in try Validate.name(name, field: "name", policy: policy) } ?? name
        var newSettings = settings
        if case .set(let days) = update.invitationLifetimeDays { try Self.requireLifetimeDays(days, field: "invitation_lifetime_days") }
        newSettings.invitationLifetimeDays = update.invitationLifetimeDays.applied(to: settings.invitationLifetimeDays)
        if case .set(let raw) = update.allowedEmailDomains {
            newSettings.allowedEmailDomains = try OrgSettings.allowedDomains(raw)
        } else if case .reset = update.allowedEmailDomains {
            newSettings.allowedEmailDomains = []
        }
        newSettings.defaultLocale = update.defaultLocale.applied(to: settings.defaultLocale)
        newSettings.replyTo = update.replyTo.applied(to: settings.replyTo)
        switch update.allowedRedirectOrigins {
        case .unchanged: break
        case .set(let raw): newSettings.allowedRedirectOrigins = try OrgSettings.redirectOrigins(raw)
        case .reset: newSettings.allowedRedirectOrigins = []
        }
        switch update.logoURL {
        case .unchanged: break
        case .set(let raw): newSettings.logoURL = try OrgSettings.logo(raw)
        case .reset: newSettings.logoURL = nil
        }
        switch update.accentColour {
        case .unchanged: break
        case .set(let raw): newSettings.accentColour = try OrgSettings.colour(raw)
        case .reset: newSettings.accentColour = nil
        }
        // An update that changes nothing records nothing.
        guard newName != name || newSettings != settings else { return [] }
        return [.organisationUpdated(name: newName, settings: newSettings)]
    }
}
