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

    /// Checks the days asked for one invitation.
    static func requireLifetimeDays(_ days: Int?, field: String) throws(DomainError) {
        if let days, !OrgSettings.invitationLifetimeDays.contains(days) {
            throw .validation(
                "\(field) must be \(OrgSettings.invitationLifetimeDays.lowerBound) to \(OrgSettings.invitationLifetimeDays.upperBound) days; got \(days)")
        }
    }

    func decideUpdateOrganisation(_ update: OrgCommand.OrganisationUpdate, by principal: Principal, policy: Policy) throws(DomainError) -> [OrgEvent] {
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
        // An update that changes nothing records nothing.
        guard newName != name || newSettings != settings else { return [] }
        return [.organisationUpdated(name: newName, settings: newSettings)]
    }
}
