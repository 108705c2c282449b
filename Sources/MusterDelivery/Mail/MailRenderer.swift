import MusterDomain
import MusterEngine
import MusterSecurity
import MusterWords

/// Turns durable log records into the emails they cause: an invitation or its resend, a
/// collaborator's link, a sign-in link. Each email is rendered from the template library in
/// its language — the invitation's own, else the org's, else the deployment's — as plain text
/// and HTML, from the record alone — its events and the ``MailFacts`` written inside it — with
/// an id made of the record's position so the same record is recognised when it is delivered
/// again. Only a record from before records carried their facts makes the engine answer for
/// them from the state.
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
        func add(_ kind: String, to: EmailAddress, locale: LocaleTag, replyTo: EmailAddress?, values: [String: MailTemplateValue], at: Timestamp) {
            let mailKind = values["resent"] == .flag(true) ? "invitation_resent" : kind
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
        /// An invitation's email, new or resent, in its own language, else the org's.
        func invitation(
            _ id: InvitationID,
            of orgID: OrganisationID,
            to email: EmailAddress,
            role: Role,
            locale own: LocaleTag?,
            expiresAt: Timestamp,
            seal: LinkSeal,
            resent: Bool,
            facts: MailFacts,
            at: Timestamp
        ) {
            let token = engine.linkToken(.invitation, org: orgID, target: id, seal: seal)
            let locale = own ?? facts.defaultLocale ?? defaultLocale
            let values = invitationValues(facts, role: role, token: token, sentAt: at, expiresAt: expiresAt, resent: resent, locale: locale)
            add("invitation", to: email, locale: locale, replyTo: facts.replyTo, values: values, at: at)
        }
        // The facts travel in the record; only a record written before they did (an older
        // format) makes the state answer for them, once.
        var asked: MailFacts?? = record.mail.map { .some($0) }
        func facts() async throws -> MailFacts? {
            if let asked { return asked }
            let answer = try await engine.mailFacts(for: record.record)
            asked = .some(answer)
            return answer
        }
        switch record.record {
        case .org(let orgID, let events):
            for event in events {
                switch event.event {
                case .userInvited(let id, let email, let role, _, let expiresAt, let seal):
                    guard wanted(.bulk, to: email.description), let facts = try await facts() else { continue }
                    // The invitation's own language travels in the same record.
                    let chosen = events.lazy.compactMap { event -> LocaleTag? in
                        if case .invitationLocaleSet(id, let locale) = event.event { return locale } else { return nil }
                    }.first
                    invitation(
                        id,
                        of: orgID,
                        to: email,
                        role: role,
                        locale: chosen,
                        expiresAt: expiresAt,
                        seal: seal,
                        resent: false,
                        facts: facts,
                        at: event.at
                    )
                case .invitationResent(let id, let expiresAt, let seal):
                    guard let facts = try await facts(), let email = facts.recipient, let role = facts.role, wanted(.urgent, to: email.description)
                    else { continue }
                    invitation(
                        id,
                        of: orgID,
                        to: email,
                        role: role,
                        locale: facts.locale,
                        expiresAt: expiresAt,
                        seal: seal,
                        resent: true,
                        facts: facts,
                        at: event.at
                    )
                case .collaboratorInvited(let invited):
                    guard let seal = invited.seal, let email = invited.email, wanted(.urgent, to: email.description), let facts = try await facts()
                    else { continue }
                    let token = engine.linkToken(.collaborator, org: orgID, target: invited.id, seal: seal)
                    let locale = facts.defaultLocale ?? defaultLocale
                    let words = templates.words(for: locale)
                    var values = common(facts, link: "\(linkBase)/auth/verify?token=\(token)")
                    values["recipient_name"] = .text(invited.fullName ?? "")
                    values["mode"] = .text(words.mode(invited.mode))
                    values["mode_key"] = .text(invited.mode.name)
                    let expiresAt = invited.linkExpiresAt ?? event.at.adding(.days(7))
                    values["expires_in"] = .text(words.expiresIn(expiresAt.span(since: event.at)))
                    values["expires_at"] = .text(words.date(expiresAt))
                    add("collaborator_invitation", to: email, locale: locale, replyTo: facts.replyTo, values: values, at: event.at)
                default:
                    continue
                }
            }
        case .directory(let events):
            for event in events {
                guard case .signInLinkIssued(let id, _, let seal, _) = event.event, let facts = try await facts(), let email = facts.recipient,
                    wanted(.urgent, to: email.description)
                else { continue }
                let token = engine.linkToken(.signIn, org: OrganisationID(high: 0, low: 0), target: id, seal: seal)
                // A sign-in link is Muster's own: none of an org's letterhead.
                var values = common(MailFacts(orgName: "Muster"), link: "\(linkBase)/auth/verify?token=\(token)")
                if let name = facts.recipientName { values["recipient_name"] = .text(name) }
                values["expires_in"] = .text(templates.words(for: defaultLocale).expiresIn(signInLinkLifetime))
                add("sign_in_link", to: email, locale: defaultLocale, replyTo: nil, values: values, at: event.at)
            }
        }
        return (messages, passed)
    }

    /// The accent of buttons when the org chose none.
    static let defaultAccent = "#1d4ed8"

    /// The values every email has: the org's name, the link, and the org's reply-to address,
    /// logo and accent colour.
    private func common(_ facts: MailFacts, link: String) -> [String: MailTemplateValue] {
        var values: [String: MailTemplateValue] = [
            "org_name": .text(facts.orgName ?? ""), "link": .text(link), "accent_colour": .text(facts.accentColour ?? Self.defaultAccent),
        ]
        if let replyTo = facts.replyTo { values["reply_to"] = .text(replyTo.value) }
        if let logo = facts.logoURL { values["logo_url"] = .text(logo) }
        return values
    }

    private func invitationValues(
        _ facts: MailFacts,
        role: Role,
        token: String,
        sentAt: Timestamp,
        expiresAt: Timestamp,
        resent: Bool,
        locale: LocaleTag
    ) -> [String: MailTemplateValue] {
        let words = templates.words(for: locale)
        var values = common(facts, link: "\(linkBase)/invitations/accept?token=\(token)")
        values["role"] = .text(words.role(role))
        values["role_key"] = .text(role.name)
        values["expires_in"] = .text(words.expiresIn(expiresAt.span(since: sentAt)))
        values["expires_at"] = .text(words.date(expiresAt))
        values["resent"] = .flag(resent)
        if let sender = facts.sender { values["inviter"] = .text(sender.value) }
        return values
    }
}
