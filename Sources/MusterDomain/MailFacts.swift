/// What the emails of one log record need that its events do not say, as it stood when the
/// command was decided: the org's name and letterhead, who caused the change, and — for an
/// email about a record the events only name (a resent invitation, a sign-in link) — who it
/// goes to.
///
/// It travels inside the record beside the events and is applied to no state, so the outbox
/// renders every email from the durable record alone, without asking the org's actor; a rename
/// or a settings change made after the command does not rewrite an email already decided.
public struct MailFacts: Hashable, Sendable {
    /// The org's name; `nil` for Muster's own emails (a sign-in link).
    public var orgName: String?
    /// The email of the member who caused the change, for "Ann has invited you"; `nil` for an
    /// API key, the platform admin and Muster itself.
    public var sender: EmailAddress?
    /// The org's language for emails that name none of their own.
    public var defaultLocale: LocaleTag?
    /// Where replies to the org's emails go.
    public var replyTo: EmailAddress?
    /// The org's logo, an `https` URL.
    public var logoURL: String?
    /// The org's accent colour, `#rrggbb`.
    public var accentColour: String?
    /// Who the email goes to, when the events name them only by id.
    public var recipient: EmailAddress?
    /// That person's name, when known.
    public var recipientName: String?
    /// The role a resent invitation offers.
    public var role: Role?
    /// The language a resent invitation was sent in.
    public var locale: LocaleTag?

    /// Creates facts; every part is optional.
    public init(
        orgName: String? = nil,
        sender: EmailAddress? = nil,
        defaultLocale: LocaleTag? = nil,
        replyTo: EmailAddress? = nil,
        logoURL: String? = nil,
        accentColour: String? = nil,
        recipient: EmailAddress? = nil,
        recipientName: String? = nil,
        role: Role? = nil,
        locale: LocaleTag? = nil
    ) {
        self.orgName = orgName
        self.sender = sender
        self.defaultLocale = defaultLocale
        self.replyTo = replyTo
        self.logoURL = logoURL
        self.accentColour = accentColour
        self.recipient = recipient
        self.recipientName = recipientName
        self.role = role
        self.locale = locale
    }
}

extension OrgState {
    /// The facts the emails of `records` need, taken from this state before they are applied;
    /// `nil` when the records cause no email (most do not, and then nothing more is logged).
    ///
    /// Emails follow an invitation, its resend, and a collaborator invited with a sign-in link.
    public func mailFacts(for records: [OrgEventRecord]) -> MailFacts? {
        var facts: MailFacts?
        for record in records {
            switch record.event {
            case .userInvited:
                facts = facts ?? letterhead(causedBy: record.actor)
            case .invitationResent(let id, _, _):
                guard let invitation = invitations[id] else { continue }
                var resent = facts ?? letterhead(causedBy: record.actor)
                resent.recipient = invitation.email
                resent.role = invitation.role
                resent.locale = invitation.locale
                facts = resent
            case .collaboratorInvited(let invited) where invited.seal != nil && invited.email != nil:
                facts = facts ?? letterhead(causedBy: record.actor)
            default:
                continue
            }
        }
        return facts
    }

    /// The org's name and letterhead, and the member behind `actor`, if it is one.
    private func letterhead(causedBy actor: Principal) -> MailFacts {
        var sender: EmailAddress?
        if case .user(let userID) = actor { sender = members[userID]?.email }
        return MailFacts(
            orgName: name,
            sender: sender,
            defaultLocale: settings.defaultLocale,
            replyTo: settings.replyTo,
            logoURL: settings.logoURL,
            accentColour: settings.accentColour
        )
    }
}

extension DirectoryState {
    /// The facts the emails of `records` need (a sign-in link's recipient), taken from this
    /// state before they are applied; `nil` when they cause no email.
    public func mailFacts(for records: [DirectoryEventRecord]) -> MailFacts? {
        for record in records {
            guard case .signInLinkIssued(_, let userID, _, _) = record.event, let user = users[userID] else { continue }
            return MailFacts(recipient: user.email, recipientName: user.fullName)
        }
        return nil
    }
}
