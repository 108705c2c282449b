import MusterDomain
import MusterEngine
import MusterSecurity
import MusterWords

/// Turns durable log records into the emails they cause: an invitation or its resend, a
/// collaborator's link, a sign-in link. Each email is rendered from the template library in
/// its language — the invitation's own, else the org's, else the deployment's — as plain text
/// and HTML, from the record and the few facts it names, with an id made of the record's
/// position so the same record is recognised when it is delivered again.
package struct MailRenderer: Sendable {
    /// The base of every link, without a trailing slash.
    package let linkBase: String
    /// The lifetime of a sign-in link, for its email.
    package let signInLinkLifetime: Span
    /// The templates, compiled at start.
    package let templates: MailTemplateLibrary
    /// The language of emails when neither the invitation nor its org names one.
    package let defaultLocale: LocaleTag

    /// Creates one from its parts.
    package init(
        linkBase: String,
        signInLinkLifetime: Span,
        templates: MailTemplateLibrary = try! MailTemplateLibrary(),
        defaultLocale: LocaleTag = LocaleTag(normalised: "en")
    ) {
        self.linkBase = linkBase
        self.signInLinkLifetime = signInLinkLifetime
        self.templates = templates
        self.defaultLocale = defaultLocale
    }

    /// The emails `record` causes, each with an id made of its position and place, so that a
    /// record delivered again after a restart is recognised (the file transport skips it).
    ///
    /// Only the emails of `lanes` are rendered, and none whose id is in `skipping`; the
    /// recipients of the new invitations left out are returned in `passed`, so that the
    /// outbox can keep each person's emails in order.
    package func messages(
        for record: DurableRecord,
        engine: MusterEngine,
        lanes: Set<MailLane> = [.urgent, .bulk],
        skipping: Set<String> = []
    ) async throws -> (messages: [MailMessage], passed: [(to: String, position: LogPosition)]) {
        var messages = [MailMessage]()
        var passed = [(to: String, position: LogPosition)]()
        // Every email the record causes has its place, rendered or not, so ids do not depend
        // on which lanes were asked for.
        var index = 0
        func wanted(_ lane: MailLane, to recipient: @autoclosure () -> String) -> Bool {
            let id = "\(record.position)-\(index)"
            guard lanes.contains(lane), !skipping.contains(id) else {
                if lane == .bulk { passed.append((recipient(), record.position)) }
                index += 1
                return false
            }
            return true
        }
        func add(_ kind: String, to: EmailAddress, locale: LocaleTag, replyTo: EmailAddress?, values: [String: Any], at: Timestamp) {
            let mailKind = values["resent"] as? Bool == true ? "invitation_resent" : kind
            defer { index += 1 }
            messages.append(
                MailMessage(
                    id: "\(record.position)-\(index)",
                    kind: mailKind,
                    to: to.description,
                    subject: templates.render(kind, "subject", locale: locale, values).trimmingWhitespace(),
                    text: templates.render(kind, "text", locale: locale, values),
                    html: templates.render(kind, "html", locale: locale, values),
                    replyTo: replyTo?.value,
                    queuedAt: at.millisecondsSinceEpoch,
                    position: record.position
                )
            )
        }
        switch record.record {
        case .org(let orgID, let events):
            for event in events {
                switch event.event {
                case .userInvited(let id, let email, let role, _, let expiresAt, let seal):
                    guard wanted(.bulk, to: email.description) else { continue }
                    let token = engine.linkToken(.invitation, org: orgID, target: id, seal: seal)
                    let facts = try await engine.mailFacts(org: orgID, actor: event.actor)
                    // The invitation's own language travels in the same record.
                    let chosen = events.lazy.compactMap { event -> LocaleTag? in
                        if case .invitationLocaleSet(id, let locale) = event.event { return locale } else { return nil }
                    }.first
                    let locale = chosen ?? facts.settings.defaultLocale ?? defaultLocale
                    var values = invitationValues(
                        orgName: facts.orgName,
                        role: role,
                        token: token,
                        sentAt: event.at,
                        expiresAt: expiresAt,
                        resent: false,
                        locale: locale,
                        settings: facts.settings
                    )
                    if let inviter = facts.actor { values["inviter"] = inviter }
                    add("invitation", to: email, locale: locale, replyTo: facts.settings.replyTo, values: values, at: event.at)
                case .invitationResent(let id, let expiresAt, let seal):
                    let token = engine.linkToken(.invitation, org: orgID, target: id, seal: seal)
                    let facts = try await engine.mailFacts(org: orgID, invitation: id, actor: event.actor)
                    guard let invitation = facts.invitation, wanted(.urgent, to: invitation.email.description) else { continue }
                    let locale = invitation.locale ?? facts.settings.defaultLocale ?? defaultLocale
                    var values = invitationValues(
                        orgName: facts.orgName,
                        role: invitation.role,
                        token: token,
                        sentAt: event.at,
                        expiresAt: expiresAt,
                        resent: true,
                        locale: locale,
                        settings: facts.settings
                    )
                    if let inviter = facts.actor { values["inviter"] = inviter }
                    add("invitation", to: invitation.email, locale: locale, replyTo: facts.settings.replyTo, values: values, at: event.at)
                case .collaboratorInvited(let invited):
                    guard let seal = invited.seal, let email = invited.email, wanted(.urgent, to: email.description) else { continue }
                    let token = engine.linkToken(.collaborator, org: orgID, target: invited.id, seal: seal)
                    let facts = try await engine.mailFacts(org: orgID)
                    let locale = facts.settings.defaultLocale ?? defaultLocale
                    let words = templates.words(for: locale)
                    var values = common(orgName: facts.orgName, link: "\(linkBase)/auth/verify?token=\(token)", settings: facts.settings)
                    values["recipient_name"] = invited.fullName ?? ""
                    values["mode"] = words.mode(invited.mode)
                    values["mode_key"] = invited.mode.name
                    let expiresAt = invited.linkExpiresAt ?? event.at.adding(.days(7))
                    values["expires_in"] = words.expiresIn(expiresAt.span(since: event.at))
                    values["expires_at"] = words.date(expiresAt)
                    add("collaborator_invitation", to: email, locale: locale, replyTo: facts.settings.replyTo, values: values, at: event.at)
                default:
                    continue
                }
            }
        case .directory(let events):
            for event in events {
                guard case .signInLinkIssued(let id, let userID, let seal, _) = event.event, let user = try await engine.mailRecipient(userID),
                    wanted(.urgent, to: user.email.description)
                else { continue }
                let token = engine.linkToken(.signIn, org: OrganisationID(high: 0, low: 0), target: id, seal: seal)
                var values = common(orgName: "Muster", link: "\(linkBase)/auth/verify?token=\(token)", settings: nil)
                if let name = user.fullName { values["recipient_name"] = name }
                values["expires_in"] = templates.words(for: defaultLocale).expiresIn(signInLinkLifetime)
                add("sign_in_link", to: user.email, locale: defaultLocale, replyTo: nil, values: values, at: event.at)
            }
        }
        return (messages, passed)
    }

    /// The accent of buttons when the org chose none.
    static let defaultAccent = "#1d4ed8"

    /// The values every email has: the org's name, the link, and the org's reply-to address,
    /// logo and accent colour (a sign-in link, which is Muster's own, has none of the org's).
    private func common(orgName: String, link: String, settings: OrgSettings?) -> [String: Any] {
        var values: [String: Any] = ["org_name": orgName, "link": link, "accent_colour": settings?.accentColour ?? Self.defaultAccent]
        if let replyTo = settings?.replyTo { values["reply_to"] = replyTo.value }
        if let logo = settings?.logoURL { values["logo_url"] = logo }
        return values
    }

    private func invitationValues(
        orgName: String,
        role: Role,
        token: String,
        sentAt: Timestamp,
        expiresAt: Timestamp,
        resent: Bool,
        locale: LocaleTag,
        settings: OrgSettings
    ) -> [String: Any] {
        let words = templates.words(for: locale)
        var values = common(orgName: orgName, link: "\(linkBase)/invitations/accept?token=\(token)", settings: settings)
        values["role"] = words.role(role)
        values["role_key"] = role.name
        values["expires_in"] = words.expiresIn(expiresAt.span(since: sentAt))
        values["expires_at"] = words.date(expiresAt)
        values["resent"] = resent
        return values
    }
}
