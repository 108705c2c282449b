import MusterDomain
import MusterEngine
import MusterStorage

/// The binary encoding of events and log records, version 6 (see `docs/LOG-FORMAT.md`);
/// versions 1 to 5 are still read.
///
/// Every enum is written as its one-byte raw value, which is therefore part of the format:
/// cases are only ever appended, never reordered. What version 2 changed: a record whose events
/// share their time and actor (every command's) writes them once; times that follow from the
/// event's own (an expiry) are written as the difference; a link's seal is its nonce alone; a
/// secret's digest is 16 bytes. Version 3 added events (an org's settings, a webhook's change,
/// ping and secret rotation) and rows (settings, rotated-out secrets, a webhook's owner), so
/// that an older binary refuses its files instead of misreading them. Version 4 added an
/// invitation's re-invite and redirect (events and row fields) and three org settings.
/// Version 5 added the facts a record's emails need (``MailFacts``), written before its events.
/// Version 6 writes a person's address once in a snapshot, in the directory, and marks the org
/// rows that share it (``StateCodec/AddressMark``); records are as in version 5.
enum EventCodec {
    /// The version of this encoding, written in every frame and snapshot header.
    static let version: UInt16 = 6
    /// The versions this code reads: every one since the first.
    static let readableVersions: ClosedRange<UInt16> = 1...version

    /// Record tags. A record in one of the `shared` forms writes its first event's sequence,
    /// time and actor once, for events that all have that time and actor and follow each other.
    enum RecordTag {
        static let org: UInt8 = 1
        static let directory: UInt8 = 2
        static let orgShared: UInt8 = 4
        static let directoryShared: UInt8 = 5
    }

    static func encode(_ record: LogRecord, into writer: inout BinaryWriter) {
        switch record {
        case .org(let orgID, let events):
            let shared = sharesHeader(events.count) { (events[$0].sequence, events[$0].at, events[$0].actor) }
            writer.u8(shared ? RecordTag.orgShared : RecordTag.org)
            writer.id(orgID)
            writer.varint(UInt64(events.count))
            if shared, let first = events.first { encodeHeader(first.sequence, first.at, first.actor, into: &writer) }
            for event in events { encode(event, withHeader: !shared, into: &writer) }
        case .directory(let events):
            let shared = sharesHeader(events.count) { (events[$0].sequence, events[$0].at, events[$0].actor) }
            writer.u8(shared ? RecordTag.directoryShared : RecordTag.directory)
            writer.varint(UInt64(events.count))
            if shared, let first = events.first { encodeHeader(first.sequence, first.at, first.actor, into: &writer) }
            for event in events { encode(event, withHeader: !shared, into: &writer) }
        }
    }

    /// Whether `count` events, the header of each given by `header`, can be written with one:
    /// at least one, all at the first's time and by its actor, their sequences consecutive.
    /// (Read through a closure: every appended record asks, and a copy of the headers would
    /// allocate.)
    private static func sharesHeader(_ count: Int, _ header: (Int) -> (sequence: UInt64, at: Timestamp, actor: Principal)) -> Bool {
        guard count > 0 else { return false }
        let first = header(0)
        for offset in 1..<count {
            let next = header(offset)
            if next.sequence != first.sequence + UInt64(offset) || next.at != first.at || next.actor != first.actor { return false }
        }
        return true
    }

    private static func encodeHeader(_ sequence: UInt64, _ at: Timestamp, _ actor: Principal, into writer: inout BinaryWriter) {
        writer.varint(sequence)
        writer.timestamp(at)
        encode(actor, into: &writer)
    }

    /// Reads the events of a record: each with its own header, or all under the one read first.
    private static func decodeEvents<Event>(
        _ reader: inout BinaryReader,
        shared: Bool,
        _ decode: (inout BinaryReader, _ sequence: UInt64, _ at: Timestamp, _ actor: Principal) throws(LogError) -> Event
    ) throws(LogError) -> [Event] {
        let count = try reader.count(limit: 1 << 20)
        var events = [Event]()
        events.reserveCapacity(count)
        if shared {
            guard count > 0 else { throw .malformed("a shared-header record with no events") }
            let sequence = try reader.varint()
            guard sequence <= UInt64.max - UInt64(count - 1) else { throw .malformed("a record's sequences run past the largest") }
            let at = try reader.timestamp()
            let actor = try decodePrincipal(&reader)
            for offset in 0..<count { events.append(try decode(&reader, sequence + UInt64(offset), at, actor)) }
        } else {
            for _ in 0..<count {
                let sequence = try reader.varint()
                let at = try reader.timestamp()
                let actor = try decodePrincipal(&reader)
                events.append(try decode(&reader, sequence, at, actor))
            }
        }
        return events
    }

    /// The tag of a record that carries a request mark before the record itself.
    static let markedRecordTag: UInt8 = 3
    /// The tag of a record that carries the facts its emails need before the record itself
    /// (after the mark, when there is one). Version 5 and later.
    static let mailFactsTag: UInt8 = 6

    /// Writes `record`, preceded by `mark` and `mail` when there are: `0x03 string(scope)
    /// string(key) string(fingerprint)`, then `0x06` and the facts, then the record as it is
    /// written without either.
    static func encode(_ record: LogRecord, mark: RequestMark?, mail: MailFacts? = nil, into writer: inout BinaryWriter) {
        if let mark {
            writer.u8(markedRecordTag)
            writer.string(mark.scope)
            writer.string(mark.key)
            writer.string(mark.fingerprint)
        }
        if let mail {
            writer.u8(mailFactsTag)
            encode(mail, into: &writer)
        }
        encode(record, into: &writer)
    }

    /// Reads a record and what is written before it: the request mark and the facts for its
    /// emails. With `mail` false (recovery, which sends nothing) the facts are read past
    /// without building them.
    static func decodeMarkedRecord(
        _ reader: inout BinaryReader,
        mail wantsMail: Bool = true
    ) throws(LogError) -> (record: LogRecord, mark: RequestMark?, mail: MailFacts?) {
        var mark: RequestMark?
        var mail: MailFacts?
        var probe = reader
        if try probe.u8() == markedRecordTag {
            reader = probe
            mark = RequestMark(scope: try reader.string(), key: try reader.string(), fingerprint: try reader.string())
        }
        probe = reader
        if reader.format >= 5, try probe.u8() == mailFactsTag {
            reader = probe
            mail = try decodeMailFacts(&reader, building: wantsMail)
        }
        return (try decodeRecord(&reader), mark, mail)
    }

    /// Which of the facts' fields are present: one bit each, in the order they are written.
    private enum MailFactsField: UInt16 {
        case orgName = 0x001
        case sender = 0x002
        case defaultLocale = 0x004
        case replyTo = 0x008
        case logoURL = 0x010
        case accentColour = 0x020
        case recipient = 0x040
        case recipientName = 0x080
        case role = 0x100
        case locale = 0x200
    }

    /// `u16(fields present)`, then each present field in bit order: strings, and the role's byte.
    static func encode(_ mail: MailFacts, into writer: inout BinaryWriter) {
        let strings: [(MailFactsField, String?)] = [
            (.orgName, mail.orgName), (.sender, mail.sender?.value), (.defaultLocale, mail.defaultLocale?.value),
            (.replyTo, mail.replyTo?.value), (.logoURL, mail.logoURL), (.accentColour, mail.accentColour),
            (.recipient, mail.recipient?.value), (.recipientName, mail.recipientName),
        ]
        var present: UInt16 = 0
        for (field, value) in strings where value != nil { present |= field.rawValue }
        if mail.role != nil { present |= MailFactsField.role.rawValue }
        if mail.locale != nil { present |= MailFactsField.locale.rawValue }
        writer.u16(present)
        for (_, value) in strings { if let value { writer.string(value) } }
        if let role = mail.role { writer.u8(role.rawValue) }
        if let locale = mail.locale { writer.string(locale.value) }
    }

    /// Reads what ``encode(_:into:)-(MailFacts,_)`` wrote; with `building` false, only reads
    /// past it (and answers `nil`).
    static func decodeMailFacts(_ reader: inout BinaryReader, building: Bool = true) throws(LogError) -> MailFacts? {
        let present = try reader.u16()
        guard present & ~0x3ff == 0 else { throw .malformed("unknown mail fact fields \(present)") }
        func read(_ field: MailFactsField) throws(LogError) -> String? {
            guard present & field.rawValue != 0 else { return nil }
            if building { return try reader.string() }
            try reader.skipString()
            return nil
        }
        var mail = MailFacts()
        mail.orgName = try read(.orgName)
        mail.sender = try read(.sender).map(EmailAddress.init(normalised:))
        mail.defaultLocale = try read(.defaultLocale).map(LocaleTag.init(normalised:))
        mail.replyTo = try read(.replyTo).map(EmailAddress.init(normalised:))
        mail.logoURL = try read(.logoURL)
        mail.accentColour = try read(.accentColour)
        mail.recipient = try read(.recipient).map(EmailAddress.init(normalised:))
        mail.recipientName = try read(.recipientName)
        if present & MailFactsField.role.rawValue != 0 { mail.role = try reader.enumeration(Role.self) }
        mail.locale = try read(.locale).map(LocaleTag.init(normalised:))
        return building ? mail : nil
    }

    /// Whether the encoded `bytes` are a record of `orgID`'s stream (with or without a mark),
    /// read from their first bytes without decoding any event.
    static func isRecord(_ bytes: [UInt8], of orgID: OrganisationID) -> Bool {
        var reader = BinaryReader(bytes)
        do throws(LogError) {
            var tag = try reader.u8()
            if tag == markedRecordTag {
                for _ in 0..<3 { try reader.skipString() }
                tag = try reader.u8()
            }
            if tag == mailFactsTag {
                _ = try decodeMailFacts(&reader, building: false)
                tag = try reader.u8()
            }
            guard tag == RecordTag.org || tag == RecordTag.orgShared else { return false }
            let id: OrganisationID = try reader.id()
            return id == orgID
        } catch {
            return false
        }
    }

    static func decodeRecord(_ reader: inout BinaryReader) throws(LogError) -> LogRecord {
        switch try reader.u8() {
        case let tag where tag == RecordTag.org || (tag == RecordTag.orgShared && reader.format >= 2):
            let orgID: OrganisationID = try reader.id()
            return .org(orgID, try decodeEvents(&reader, shared: tag == RecordTag.orgShared, decodeOrgEvent))
        case let tag where tag == RecordTag.directory || (tag == RecordTag.directoryShared && reader.format >= 2):
            return .directory(try decodeEvents(&reader, shared: tag == RecordTag.directoryShared, decodeDirectoryEvent))
        case let tag:
            throw .malformed("unknown record tag \(tag)")
        }
    }

    // MARK: Shared values

    static func encode(_ principal: Principal, into writer: inout BinaryWriter) {
        switch principal {
        case .platformAdmin: writer.u8(0)
        case .system: writer.u8(1)
        case .user(let id):
            writer.u8(2)
            writer.id(id)
        case .apiKey(let id):
            writer.u8(3)
            writer.id(id)
        }
    }

    static func decodePrincipal(_ reader: inout BinaryReader) throws(LogError) -> Principal {
        switch try reader.u8() {
        case 0: return .platformAdmin
        case 1: return .system
        case 2: return .user(try reader.id())
        case 3: return .apiKey(try reader.id())
        case let tag: throw .malformed("unknown principal tag \(tag)")
        }
    }

    static func encode(_ email: EmailAddress, into writer: inout BinaryWriter) { writer.string(email.value) }

    static func decodeEmail(_ reader: inout BinaryReader) throws(LogError) -> EmailAddress { EmailAddress(normalised: try reader.string()) }

    static func encodeOptional(_ email: EmailAddress?, into writer: inout BinaryWriter) { writer.optionalString(email?.value) }

    static func decodeOptionalEmail(_ reader: inout BinaryReader) throws(LogError) -> EmailAddress? {
        try reader.optionalString().map(EmailAddress.init(normalised:))
    }

    /// A seal is its nonce; format 1 wrote the token's 32-byte digest before it, which is read
    /// past (the state checks the nonce).
    static func encode(_ seal: LinkSeal, into writer: inout BinaryWriter) {
        writer.id(seal.nonce)
    }

    static func decodeSeal(_ reader: inout BinaryReader) throws(LogError) -> LinkSeal {
        if reader.format == 1 { _ = try reader.digest() }
        return LinkSeal(nonce: try reader.id())
    }

    static func encode(_ card: ContactCard, into writer: inout BinaryWriter) {
        writer.string(card.name)
        encodeOptional(card.email, into: &writer)
        writer.optionalString(card.phone)
        writer.optionalString(card.organisationName)
        writer.optionalString(card.roleLabel)
    }

    static func decodeContact(_ reader: inout BinaryReader) throws(LogError) -> ContactCard {
        ContactCard(
            name: try reader.string(),
            email: try decodeOptionalEmail(&reader),
            phone: try reader.optionalString(),
            organisationName: try reader.optionalString(),
            roleLabel: try reader.optionalString()
        )
    }

    // MARK: Org events

    /// The tag of a `member.role_changed` that carries the role before the change. Records
    /// written before it existed use the plain event type's tag and decode with no previous
    /// role, so older data folders still read; the type numbers stop well below it.
    static let memberRoleChangedWithPrevious: UInt8 = 0x80

    static func encode(_ record: OrgEventRecord, withHeader: Bool, into writer: inout BinaryWriter) {
        if withHeader { encodeHeader(record.sequence, record.at, record.actor, into: &writer) }
        let at = record.at
        if case .memberRoleChanged(_, _, .some) = record.event {
            writer.u8(Self.memberRoleChangedWithPrevious)
        } else {
            writer.u8(record.event.kind.rawValue)
        }
        switch record.event {
        case .organisationCreated(let name):
            writer.string(name)
        case .userInvited(let id, let email, let role, let method, let expiresAt, let seal):
            writer.id(id)
            encode(email, into: &writer)
            writer.u8(role.rawValue)
            writer.u8(method.rawValue)
            writer.timestamp(expiresAt, after: at)
            encode(seal, into: &writer)
        case .invitationResent(let id, let expiresAt, let seal):
            writer.id(id)
            writer.timestamp(expiresAt, after: at)
            encode(seal, into: &writer)
        case .invitationRevoked(let id, let reason):
            writer.id(id)
            writer.optionalString(reason)
        case .invitationAccepted(let id, let userID):
            writer.id(id)
            writer.id(userID)
        case .invitationExpired(let id):
            writer.id(id)
        case .userCreated(let userID, let email):
            writer.id(userID)
            encode(email, into: &writer)
        case .memberAdded(let userID, let email, let role, let via):
            writer.id(userID)
            encode(email, into: &writer)
            writer.u8(role.rawValue)
            writer.u8(via.rawValue)
        case .memberRoleChanged(let userID, let role, let previous):
            writer.id(userID)
            writer.u8(role.rawValue)
            if let previous { writer.u8(previous.rawValue) }
        case .memberGrantsChanged(let userID, let grants):
            writer.id(userID)
            writer.u16(grants.rawValue)
        case .memberRemoved(let userID), .memberPasswordReset(let userID):
            writer.id(userID)
        case .apiKeyCreated(let id, let name, let role, let secretDigest):
            writer.id(id)
            writer.string(name)
            writer.u8(role.rawValue)
            writer.digest(secretDigest)
        case .apiKeyRevoked(let id):
            writer.id(id)
        case .tenantCreated(let id, let name, let reference):
            writer.id(id)
            writer.string(name)
            writer.optionalString(reference)
        case .collaboratorInvited(let invited):
            writer.id(invited.id)
            writer.id(invited.tenantID)
            writer.u8(invited.mode.rawValue)
            writer.optionalID(invited.userID)
            encodeOptional(invited.email, into: &writer)
            writer.optionalString(invited.fullName)
            writer.bool(invited.contact != nil)
            if let contact = invited.contact { encode(contact, into: &writer) }
            writer.bool(invited.capOverridden)
            writer.bool(invited.seal != nil)
            if let seal = invited.seal { encode(seal, into: &writer) }
            writer.bool(invited.linkExpiresAt != nil)
            if let expiresAt = invited.linkExpiresAt { writer.timestamp(expiresAt, after: at) }
        case .collaboratorActivated(let id, let userID):
            writer.id(id)
            writer.id(userID)
        case .collaboratorEnded(let id):
            writer.id(id)
        case .collaboratorContactUpdated(let id, let contact):
            writer.id(id)
            encode(contact, into: &writer)
        case .noteAdded(let tenantID, let id, let kind, let body):
            writer.id(tenantID)
            writer.id(id)
            writer.u8(kind.rawValue)
            writer.string(body)
        case .goalAdded(let tenantID, let id, let title, let detail):
            writer.id(tenantID)
            writer.id(id)
            writer.string(title)
            writer.optionalString(detail)
        case .sessionRecorded(let tenantID, let id, let occurredAt, let summary):
            writer.id(tenantID)
            writer.id(id)
            writer.timestamp(occurredAt, after: at)
            writer.string(summary)
        case .documentAdded(let tenantID, let id, let name, let contentType, let sizeBytes, let checksum):
            writer.id(tenantID)
            writer.id(id)
            writer.string(name)
            writer.string(contentType)
            writer.signed(sizeBytes)
            writer.string(checksum)
        case .contextSummaryUpdated(let tenantID, let text):
            writer.id(tenantID)
            writer.string(text)
        case .webhookCreated(let id, let url, let eventTypes, let description, let startAfter, let secretNonce):
            writer.id(id)
            writer.string(url)
            encode(eventTypes, into: &writer)
            writer.optionalString(description)
            writer.varint(startAfter)
            writer.id(secretNonce)
        case .webhookDeleted(let id), .webhookResumed(let id):
            writer.id(id)
        case .webhookPaused(let id, let cause, let reason):
            writer.id(id)
            writer.u8(cause.rawValue)
            writer.string(reason)
        case .organisationUpdated(let name, let settings):
            writer.string(name)
            encode(settings, into: &writer)
        case .webhookUpdated(let id, let url, let eventTypes, let description):
            writer.id(id)
            writer.string(url)
            encode(eventTypes, into: &writer)
            writer.optionalString(description)
        case .webhookPinged(let id):
            writer.id(id)
        case .invitationLocaleSet(let id, let locale):
            writer.id(id)
            writer.string(locale.value)
        case .invitationReinvited(let id, let previous):
            writer.id(id)
            writer.id(previous)
        case .invitationRedirectSet(let id, let url):
            writer.id(id)
            writer.string(url.value)
        case .collaboratorRedirectSet(let id, let url):
            writer.id(id)
            writer.string(url.value)
        case .webhookSecretRotated(let id, let secretNonce, let previousUntil):
            writer.id(id)
            writer.id(secretNonce)
            writer.timestamp(previousUntil, after: at)
        }
    }

    /// An org's settings: the lifetime in days (0 for the deployment's), the allowed domains,
    /// and the default locale.
    static func encode(_ settings: OrgSettings, into writer: inout BinaryWriter) {
        writer.varint(UInt64(settings.invitationLifetimeDays ?? 0))
        writer.varint(UInt64(settings.allowedEmailDomains.count))
        for domain in settings.allowedEmailDomains { writer.string(domain) }
        writer.optionalString(settings.defaultLocale?.value)
        writer.optionalString(settings.replyTo?.value)
        writer.varint(UInt64(settings.allowedRedirectOrigins.count))
        for origin in settings.allowedRedirectOrigins { writer.string(origin) }
        writer.optionalString(settings.logoURL)
        writer.optionalString(settings.accentColour)
    }

    static func decodeSettings(_ reader: inout BinaryReader) throws(LogError) -> OrgSettings {
        let days = try reader.varint()
        guard days <= UInt64(OrgSettings.invitationLifetimeDays.upperBound) else { throw .malformed("invitation lifetime of \(days) days") }
        var domains = [String]()
        for _ in 0..<(try reader.count(limit: OrgSettings.maximumAllowedDomains)) { domains.append(try reader.string()) }
        var settings = OrgSettings(
            invitationLifetimeDays: days == 0 ? nil : Int(days),
            allowedEmailDomains: domains,
            defaultLocale: try reader.optionalString().map(LocaleTag.init(normalised:)),
            replyTo: try reader.optionalString().map(EmailAddress.init(normalised:))
        )
        if reader.format >= 4 {
            for _ in 0..<(try reader.count(limit: OrgSettings.maximumRedirectOrigins)) { settings.allowedRedirectOrigins.append(try reader.string()) }
            settings.logoURL = try reader.optionalString()
            settings.accentColour = try reader.optionalString()
        }
        return settings
    }

    /// A set of event types, or none for all: a count plus one byte per type, or `0xff`.
    static func encode(_ kinds: [OrgEvent.Kind]?, into writer: inout BinaryWriter) {
        guard let kinds else { return writer.u8(0xff) }
        writer.u8(UInt8(kinds.count))
        for kind in kinds { writer.u8(kind.rawValue) }
    }

    static func decodeKinds(_ reader: inout BinaryReader) throws(LogError) -> [OrgEvent.Kind]? {
        let count = try reader.u8()
        guard count != 0xff else { return nil }
        var kinds = [OrgEvent.Kind]()
        for _ in 0..<count { kinds.append(try reader.enumeration()) }
        return kinds
    }

    static func decodeOrgEvent(_ reader: inout BinaryReader, sequence: UInt64, at: Timestamp, actor: Principal) throws(LogError) -> OrgEventRecord {
        let tag = try reader.u8()
        if tag == Self.memberRoleChangedWithPrevious {
            let event = OrgEvent.memberRoleChanged(userID: try reader.id(), role: try reader.enumeration(), previous: try reader.enumeration())
            return OrgEventRecord(sequence: sequence, at: at, actor: actor, event: event)
        }
        guard let kind = OrgEvent.Kind(rawValue: tag) else { throw .malformed("unknown event type \(tag)") }
        let event: OrgEvent
        switch kind {
        case .organisationCreated:
            event = .organisationCreated(name: try reader.string())
        case .userInvited:
            event = .userInvited(
                id: try reader.id(),
                email: try decodeEmail(&reader),
                role: try reader.enumeration(),
                method: try reader.enumeration(),
                expiresAt: try reader.timestamp(after: at),
                seal: try decodeSeal(&reader)
            )
        case .invitationResent:
            event = .invitationResent(id: try reader.id(), expiresAt: try reader.timestamp(after: at), seal: try decodeSeal(&reader))
        case .invitationRevoked:
            event = .invitationRevoked(id: try reader.id(), reason: try reader.optionalString())
        case .invitationAccepted:
            event = .invitationAccepted(id: try reader.id(), userID: try reader.id())
        case .invitationExpired:
            event = .invitationExpired(id: try reader.id())
        case .userCreated:
            event = .userCreated(userID: try reader.id(), email: try decodeEmail(&reader))
        case .memberAdded:
            event = .memberAdded(
                userID: try reader.id(),
                email: try decodeEmail(&reader),
                role: try reader.enumeration(),
                via: try reader.enumeration()
            )
        case .memberRoleChanged:
            event = .memberRoleChanged(userID: try reader.id(), role: try reader.enumeration(), previous: nil)
        case .memberGrantsChanged:
            event = .memberGrantsChanged(userID: try reader.id(), grants: PermissionSet(rawValue: try reader.u16()))
        case .memberRemoved:
            event = .memberRemoved(userID: try reader.id())
        case .memberPasswordReset:
            event = .memberPasswordReset(userID: try reader.id())
        case .apiKeyCreated:
            event = .apiKeyCreated(id: try reader.id(), name: try reader.string(), role: try reader.enumeration(), secretDigest: try reader.digest())
        case .apiKeyRevoked:
            event = .apiKeyRevoked(id: try reader.id())
        case .tenantCreated:
            event = .tenantCreated(id: try reader.id(), name: try reader.string(), reference: try reader.optionalString())
        case .collaboratorInvited:
            let id: CollaboratorID = try reader.id()
            let tenantID: TenantID = try reader.id()
            var invited = OrgEvent.CollaboratorInvitation(id: id, tenantID: tenantID, mode: try reader.enumeration(), capOverridden: false)
            invited.userID = try reader.optionalID()
            invited.email = try decodeOptionalEmail(&reader)
            invited.fullName = try reader.optionalString()
            invited.contact = try reader.bool() ? try decodeContact(&reader) : nil
            invited.capOverridden = try reader.bool()
            invited.seal = try reader.bool() ? try decodeSeal(&reader) : nil
            invited.linkExpiresAt = try reader.bool() ? try reader.timestamp(after: at) : nil
            event = .collaboratorInvited(invited)
        case .collaboratorActivated:
            event = .collaboratorActivated(id: try reader.id(), userID: try reader.id())
        case .collaboratorEnded:
            event = .collaboratorEnded(id: try reader.id())
        case .collaboratorContactUpdated:
            event = .collaboratorContactUpdated(id: try reader.id(), contact: try decodeContact(&reader))
        case .noteAdded:
            event = .noteAdded(tenantID: try reader.id(), id: try reader.id(), kind: try reader.enumeration(), body: try reader.string())
        case .goalAdded:
            event = .goalAdded(tenantID: try reader.id(), id: try reader.id(), title: try reader.string(), detail: try reader.optionalString())
        case .sessionRecorded:
            event = .sessionRecorded(
                tenantID: try reader.id(),
                id: try reader.id(),
                occurredAt: try reader.timestamp(after: at),
                summary: try reader.string()
            )
        case .documentAdded:
            event = .documentAdded(
                tenantID: try reader.id(),
                id: try reader.id(),
                name: try reader.string(),
                contentType: try reader.string(),
                sizeBytes: try reader.signed(),
                checksum: try reader.string()
            )
        case .contextSummaryUpdated:
            event = .contextSummaryUpdated(tenantID: try reader.id(), text: try reader.string())
        case .webhookCreated:
            event = .webhookCreated(
                id: try reader.id(),
                url: try reader.string(),
                eventTypes: try decodeKinds(&reader),
                description: try reader.optionalString(),
                startAfter: try reader.varint(),
                secretNonce: try reader.id()
            )
        case .webhookDeleted:
            event = .webhookDeleted(id: try reader.id())
        case .webhookPaused:
            event = .webhookPaused(id: try reader.id(), cause: try reader.enumeration(), reason: try reader.string())
        case .webhookResumed:
            event = .webhookResumed(id: try reader.id())
        case .organisationUpdated:
            event = .organisationUpdated(name: try reader.string(), settings: try decodeSettings(&reader))
        case .webhookUpdated:
            event = .webhookUpdated(
                id: try reader.id(),
                url: try reader.string(),
                eventTypes: try decodeKinds(&reader),
                description: try reader.optionalString()
            )
        case .webhookPinged:
            event = .webhookPinged(id: try reader.id())
        case .invitationLocaleSet:
            event = .invitationLocaleSet(id: try reader.id(), locale: LocaleTag(normalised: try reader.string()))
        case .invitationReinvited:
            event = .invitationReinvited(id: try reader.id(), previous: try reader.id())
        case .invitationRedirectSet:
            event = .invitationRedirectSet(id: try reader.id(), url: RedirectURL(checked: try reader.string()))
        case .collaboratorRedirectSet:
            event = .collaboratorRedirectSet(id: try reader.id(), url: RedirectURL(checked: try reader.string()))
        case .webhookSecretRotated:
            event = .webhookSecretRotated(id: try reader.id(), secretNonce: try reader.id(), previousUntil: try reader.timestamp(after: at))
        }
        return OrgEventRecord(sequence: sequence, at: at, actor: actor, event: event)
    }

    // MARK: Directory events

    static func encode(_ record: DirectoryEventRecord, withHeader: Bool, into writer: inout BinaryWriter) {
        if withHeader { encodeHeader(record.sequence, record.at, record.actor, into: &writer) }
        let at = record.at
        switch record.event {
        case .userCreated(let id, let email, let fullName, let origin, let createdFor, let passwordHash, let identity):
            writer.u8(0)
            writer.id(id)
            encode(email, into: &writer)
            writer.optionalString(fullName)
            writer.u8(origin.rawValue)
            writer.optionalID(createdFor)
            writer.optionalString(passwordHash)
            writer.bool(identity != nil)
            if let identity {
                writer.id(identity.id)
                writer.string(identity.name)
            }
        case .passwordSet(let userID, let passwordHash, let mustChange):
            writer.u8(1)
            writer.id(userID)
            writer.string(passwordHash)
            writer.bool(mustChange)
        case .sessionStarted(let digest, let userID, let expiresAt, let method):
            writer.u8(2)
            writer.digest(digest)
            writer.id(userID)
            writer.timestamp(expiresAt, after: at)
            writer.u8(method.rawValue)
        case .sessionEnded(let digest):
            writer.u8(3)
            writer.digest(digest)
        case .userSessionsEnded(let userID):
            writer.u8(4)
            writer.id(userID)
        case .signInLinkIssued(let id, let userID, let seal, let expiresAt):
            writer.u8(5)
            writer.id(id)
            writer.id(userID)
            encode(seal, into: &writer)
            writer.timestamp(expiresAt, after: at)
        case .signInLinkUsed(let id):
            writer.u8(6)
            writer.id(id)
        case .expiredRemoved(let cutoff):
            writer.u8(7)
            writer.timestamp(cutoff)
        }
    }

    static func decodeDirectoryEvent(
        _ reader: inout BinaryReader,
        sequence: UInt64,
        at: Timestamp,
        actor: Principal
    ) throws(LogError) -> DirectoryEventRecord {
        let event: DirectoryEvent
        switch try reader.u8() {
        case 0:
            let id: UserID = try reader.id()
            let email = try decodeEmail(&reader)
            let fullName = try reader.optionalString()
            let origin: User.Origin = try reader.enumeration()
            let createdFor: OrganisationID? = try reader.optionalID()
            let passwordHash = try reader.optionalString()
            let identity = try reader.bool() ? IdentityOrganisation(id: try reader.id(), name: try reader.string()) : nil
            event = .userCreated(
                id: id,
                email: email,
                fullName: fullName,
                origin: origin,
                createdFor: createdFor,
                passwordHash: passwordHash,
                identityOrganisation: identity
            )
        case 1:
            event = .passwordSet(userID: try reader.id(), passwordHash: try reader.string(), mustChange: try reader.bool())
        case 2:
            event = .sessionStarted(
                digest: try reader.digest(),
                userID: try reader.id(),
                expiresAt: try reader.timestamp(after: at),
                method: try reader.enumeration()
            )
        case 3:
            event = .sessionEnded(digest: try reader.digest())
        case 4:
            event = .userSessionsEnded(userID: try reader.id())
        case 5:
            event = .signInLinkIssued(
                id: try reader.id(),
                userID: try reader.id(),
                seal: try decodeSeal(&reader),
                expiresAt: try reader.timestamp(after: at)
            )
        case 6:
            event = .signInLinkUsed(id: try reader.id())
        case 7:
            event = .expiredRemoved(cutoff: try reader.timestamp())
        case let tag:
            throw .malformed("unknown directory event tag \(tag)")
        }
        return DirectoryEventRecord(sequence: sequence, at: at, actor: actor, event: event)
    }
}
