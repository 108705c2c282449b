import MusterDomain
import MusterStorage

/// The binary encoding of whole states for snapshots: each org and the directory as lists of
/// rows; the indexes are rebuilt on load.
enum StateCodec {
    // MARK: Org

    /// Writes `state`; a member's, accepted invitation's or account collaborator row's address
    /// that is its user's in `directory` is written as a mark, the address itself once, in the
    /// directory's block.
    static func encode(_ state: OrgState, sharingAddressesOf directory: DirectoryState? = nil, into writer: inout BinaryWriter) {
        let userAddress = { (userID: UserID?) -> EmailAddress? in
            guard let directory, let userID else { return nil }
            return directory.users.withRow(userID) { $0.pointee.email }
        }
        writer.id(state.id)
        writer.string(state.name)
        writer.timestamp(state.createdAt)
        writer.varint(state.version)
        writer.varint(UInt64(state.memberOrder.count))
        for userID in state.memberOrder { encode(state.members[userID]!, userAddress: userAddress(userID), into: &writer) }
        writer.varint(UInt64(state.invitations.count))
        for invitation in state.invitations.rows { encode(invitation, userAddress: userAddress(invitation.acceptedBy), into: &writer) }
        let keys = state.apiKeysInOrder
        writer.varint(UInt64(keys.count))
        for key in keys { encode(key, into: &writer) }
        writer.varint(UInt64(state.tenants.count))
        for tenant in state.tenants.rows {
            // A tenant's collaborator rows travel with it, in their team order.
            let team = state.collaborators(of: tenant.id)
            encode(tenant, team: team, into: &writer)
            for collaborator in team { encode(collaborator, userAddress: userAddress(collaborator.userID), into: &writer) }
        }
        writer.varint(UInt64(state.audit.count))
        for entry in state.audit { encode(entry, into: &writer) }
        let webhooks = state.webhooksInOrder
        writer.varint(UInt64(webhooks.count))
        for webhook in webhooks { encode(webhook, into: &writer) }
        EventCodec.encode(state.settings, into: &writer)
    }

    static func encode(_ webhook: Webhook, into writer: inout BinaryWriter) {
        writer.id(webhook.id)
        writer.string(webhook.url)
        EventCodec.encode(webhook.eventTypes, into: &writer)
        writer.optionalString(webhook.description)
        writer.varint(webhook.startAfter)
        writer.id(webhook.secretNonce)
        writer.timestamp(webhook.createdAt)
        EventCodec.encode(webhook.createdBy, into: &writer)
        switch webhook.status {
        case .active:
            writer.u8(0)
        case .paused(let cause, let reason):
            writer.u8(1)
            writer.u8(cause.rawValue)
            writer.string(reason)
        }
        writer.varint(UInt64(webhook.previousSecrets.count))
        for previous in webhook.previousSecrets {
            writer.id(previous.nonce)
            writer.timestamp(previous.until)
        }
        EventCodec.encode(webhook.owner, into: &writer)
    }

    static func decodeWebhook(_ reader: inout BinaryReader, withSettings: Bool) throws(LogError) -> Webhook {
        let id: WebhookID = try reader.id()
        let url = try reader.string()
        let eventTypes = try EventCodec.decodeKinds(&reader)
        let description = try reader.optionalString()
        let startAfter = try reader.varint()
        let secretNonce: Identifier<Webhook> = try reader.id()
        let createdAt = try reader.timestamp()
        let createdBy = try EventCodec.decodePrincipal(&reader)
        let status: Webhook.Status
        switch try reader.u8() {
        case 0: status = .active
        case 1: status = .paused(try reader.enumeration(), reason: try reader.string())
        case let tag: throw .malformed("unknown webhook status \(tag)")
        }
        var previousSecrets = [Webhook.PreviousSecret]()
        var owner = createdBy
        if withSettings {
            for _ in 0..<(try reader.count(limit: Webhook.maximumPreviousSecrets)) {
                previousSecrets.append(Webhook.PreviousSecret(nonce: try reader.id(), until: try reader.timestamp()))
            }
            owner = try EventCodec.decodePrincipal(&reader)
        }
        return Webhook(
            id: id,
            url: url,
            eventTypes: eventTypes,
            description: description,
            startAfter: startAfter,
            secretNonce: secretNonce,
            createdAt: createdAt,
            createdBy: createdBy,
            status: status,
            previousSecrets: previousSecrets,
            owner: owner
        )
    }

    /// Reads an org; `withWebhooks` and `withSettings` say whether the snapshot was written
    /// after those parts joined the rows, and `directory` holds the addresses its rows share.
    static func decodeOrg(
        _ reader: inout BinaryReader,
        withWebhooks: Bool = true,
        withSettings: Bool = true,
        sharingAddressesOf directory: DirectoryState? = nil
    ) throws(LogError) -> OrgState {
        try decodeOrgRows(&reader, withWebhooks: withWebhooks, withSettings: withSettings).state(sharingAddressesOf: directory)
    }

    /// Reads an org's rows, leaving the addresses it shares with the directory to be filled
    /// in once the directory is read too (``DecodedOrg/state(sharingAddressesOf:)``): a
    /// snapshot's blocks are read in parallel, the directory's beside the orgs'.
    static func decodeOrgRows(_ reader: inout BinaryReader, withWebhooks: Bool = true, withSettings: Bool = true) throws(LogError) -> DecodedOrg {
        let id: OrganisationID = try reader.id()
        let name = try reader.string()
        let createdAt = try reader.timestamp()
        let version = try reader.varint()
        var members = [Member]()
        var membersSharingAddress = [Int]()
        for _ in 0..<(try reader.count()) {
            let (member, sharesAddress) = try decodeMember(&reader)
            if sharesAddress { membersSharingAddress.append(members.count) }
            members.append(member)
        }
        // The big tables are filled as their rows are read, each id hashed once; a repeated id
        // is refused rather than trapping when the state is built.
        var invitations = RowTable<InvitationID, Invitation>()
        var invitationsSharingAddress = [Int]()
        // Every row takes a byte at least, so a count is believed only as far as the bytes go.
        let invitationCount = try reader.count()
        invitations.reserveCapacity(min(invitationCount, reader.remaining))
        for _ in 0..<invitationCount {
            let (invitation, sharesAddress) = try decodeInvitation(&reader, orgID: id, withSettings: withSettings)
            if sharesAddress { invitationsSharingAddress.append(invitations.count) }
            guard invitations.appendNew(invitation) else { throw repeated("invitation", invitation.id, in: id) }
        }
        var keys = [APIKey]()
        for _ in 0..<(try reader.count()) { keys.append(try decodeAPIKey(&reader)) }
        var tenants = RowTable<TenantID, Tenant>()
        var collaborators = RowTable<CollaboratorID, Collaborator>()
        var rowsSharingAddress = [Int]()
        let tenantCount = try reader.count()
        tenants.reserveCapacity(min(tenantCount, reader.remaining))
        collaborators.reserveCapacity(min(tenantCount, reader.remaining))
        for _ in 0..<tenantCount {
            var (tenant, team) = try decodeTenant(&reader)
            for _ in 0..<team.count {
                let (collaborator, sharesAddress) = try decodeCollaborator(&reader)
                // The team list names the rows that follow it: a row of another tenant, or in
                // another place, is refused rather than filed under the wrong case.
                guard try team.ids.id() == collaborator.id, collaborator.tenantID == tenant.id else {
                    throw .malformed("org \(id) tenant \(tenant.id) lists another collaborator than row \(collaborator.id)")
                }
                if sharesAddress { rowsSharingAddress.append(collaborators.count) }
                guard collaborators.appendNew(collaborator) else {
                    throw repeated("collaborator", collaborator.id, in: id)
                }
            }
            guard tenants.appendNew(tenant) else { throw repeated("tenant", tenant.id, in: id) }
        }
        let auditCount = try reader.count(limit: 1 << 28)
        // One line per event, numbered by position: a file that says otherwise is refused here
        // rather than trapping when the state is built or the next event applied.
        guard UInt64(auditCount) == version else { throw .malformed("org \(id) has \(auditCount) audit lines at version \(version)") }
        var audit = AuditTrail()
        audit.reserveCapacity(min(auditCount, reader.remaining))
        for position in 0..<auditCount {
            let entry = try decodeAuditEntry(&reader)
            guard entry.sequence == UInt64(position + 1) else { throw .malformed("org \(id) has audit line \(entry.sequence) at \(position + 1)") }
            audit.append(entry)
        }
        var webhooks = [Webhook]()
        if withWebhooks {
            for _ in 0..<(try reader.count(limit: Webhook.maximumPerOrg)) { webhooks.append(try decodeWebhook(&reader, withSettings: withSettings)) }
        }
        let settings = withSettings ? try EventCodec.decodeSettings(&reader) : OrgSettings()
        try requireDistinct(members.map(\.userID), "member", in: "org \(id)")
        try requireDistinct(keys.map(\.id), "API key", in: "org \(id)")
        try requireDistinct(webhooks.map(\.id), "webhook", in: "org \(id)")
        return DecodedOrg(
            id: id,
            name: name,
            createdAt: createdAt,
            version: version,
            members: members,
            invitations: invitations,
            apiKeys: keys,
            tenants: tenants,
            collaborators: collaborators,
            webhooks: webhooks,
            audit: audit,
            settings: settings,
            membersSharingAddress: membersSharingAddress,
            invitationsSharingAddress: invitationsSharingAddress,
            rowsSharingAddress: rowsSharingAddress
        )
    }

    /// The error for a file that lists one id twice.
    private static func repeated(_ kind: String, _ id: some CustomStringConvertible, in orgID: OrganisationID) -> LogError {
        .malformed("org \(orgID) lists \(kind) \(id) twice")
    }

    /// Refuses a file that lists one id twice, which building the state's tables would trap on.
    private static func requireDistinct<Key: Hashable>(_ keys: [Key], _ kind: String, in place: String) throws(LogError) {
        var seen = Set<Key>(minimumCapacity: keys.count)
        for key in keys where !seen.insert(key).inserted { throw .malformed("\(place) lists \(kind) \(key) twice") }
    }

    static func encode(_ member: Member, userAddress: EmailAddress? = nil, into writer: inout BinaryWriter) {
        writer.id(member.userID)
        encodeAddress(member.email, userAddress: userAddress, into: &writer)
        writer.u8(member.role.rawValue)
        writer.u16(member.grants.rawValue)
        writer.timestamp(member.joinedAt)
        writer.u8(member.joinedVia.rawValue)
        writer.optionalTimestamp(member.removedAt)
        writer.bool(member.removedBy != nil)
        if let removedBy = member.removedBy { EventCodec.encode(removedBy, into: &writer) }
    }

    /// A member, and whether their address is their user's, left for the directory to fill in.
    static func decodeMember(_ reader: inout BinaryReader) throws(LogError) -> (Member, sharesAddress: Bool) {
        let userID: UserID = try reader.id()
        let email: EmailAddress?
        if reader.format >= 6 {
            email = try decodeRequiredAddress(&reader, of: "member \(userID)")
        } else {
            email = try EventCodec.decodeEmail(&reader)
        }
        let member = Member(
            userID: userID,
            email: email ?? Self.unfilledAddress,
            role: try reader.enumeration(),
            grants: PermissionSet(rawValue: try reader.u16()),
            joinedAt: try reader.timestamp(),
            joinedVia: try reader.enumeration(),
            removedAt: try reader.optionalTimestamp(),
            removedBy: try reader.bool() ? try EventCodec.decodePrincipal(&reader) : nil
        )
        return (member, email == nil)
    }

    static func encode(_ invitation: Invitation, userAddress: EmailAddress? = nil, into writer: inout BinaryWriter) {
        writer.id(invitation.id)
        encodeAddress(invitation.email, userAddress: userAddress, into: &writer)
        writer.u8(invitation.role.rawValue)
        writer.u8(invitation.method.rawValue)
        writer.u8(invitation.status.rawValue)
        EventCodec.encode(invitation.invitedBy, into: &writer)
        writer.timestamp(invitation.createdAt)
        writer.timestamp(invitation.expiresAt)
        writer.optionalTimestamp(invitation.acceptedAt)
        writer.optionalID(invitation.acceptedBy)
        writer.optionalTimestamp(invitation.revokedAt)
        writer.bool(invitation.revokedBy != nil)
        if let revokedBy = invitation.revokedBy { EventCodec.encode(revokedBy, into: &writer) }
        writer.optionalString(invitation.revokedReason)
        writer.optionalTimestamp(invitation.expiredAt)
        writer.optionalTimestamp(invitation.resentAt)
        writer.varint(UInt64(invitation.resendCount))
        writer.varint(UInt64(invitation.recentResends.count))
        for resend in invitation.recentResends { writer.timestamp(resend) }
        encode(invitation.link, into: &writer)
        writer.optionalString(invitation.locale?.value)
        writer.optionalID(invitation.reinviteOf)
        writer.optionalString(invitation.redirect?.value)
    }

    /// A record's link check: `0` none, `1` and a nonce, `2` and a digest. Format 1 kept an
    /// optional digest of the token, which is read as a digest check.
    static func encode(_ link: LinkCheck?, into writer: inout BinaryWriter) {
        switch link {
        case nil:
            writer.u8(0)
        case .nonce(let nonce):
            writer.u8(1)
            writer.id(nonce)
        case .digest(let digest):
            writer.u8(2)
            writer.digest(digest)
        }
    }

    static func decodeLinkCheck(_ reader: inout BinaryReader) throws(LogError) -> LinkCheck? {
        guard reader.format >= 2 else { return try reader.optionalDigest().map(LinkCheck.digest) }
        switch try reader.u8() {
        case 0: return nil
        case 1: return .nonce(try reader.id())
        case 2: return .digest(try reader.digest())
        case let tag: throw .malformed("unknown link check \(tag)")
        }
    }

    /// An invitation, and whether its address is that of the user who accepted it, left for
    /// the directory to fill in.
    static func decodeInvitation(
        _ reader: inout BinaryReader,
        orgID: OrganisationID,
        withSettings: Bool = true
    ) throws(LogError) -> (Invitation, sharesAddress: Bool) {
        let id: InvitationID = try reader.id()
        let email = try reader.format >= 6 ? decodeRequiredAddress(&reader, of: "invitation \(id)") : EventCodec.decodeEmail(&reader)
        let role: Role = try reader.enumeration()
        let method: Invitation.Method = try reader.enumeration()
        let status: Invitation.Status = try reader.enumeration()
        let invitedBy = try EventCodec.decodePrincipal(&reader)
        let createdAt = try reader.timestamp()
        let expiresAt = try reader.timestamp()
        let acceptedAt = try reader.optionalTimestamp()
        let acceptedBy: UserID? = try reader.optionalID()
        guard email != nil || acceptedBy != nil else { throw .malformed("invitation \(id) was accepted by nobody whose address it could share") }
        let revokedAt = try reader.optionalTimestamp()
        let revokedBy = try reader.bool() ? try EventCodec.decodePrincipal(&reader) : nil
        let revokedReason = try reader.optionalString()
        let expiredAt = try reader.optionalTimestamp()
        let resentAt = try reader.optionalTimestamp()
        let resendCount = try reader.count()
        var recentResends = [Timestamp]()
        for _ in 0..<(try reader.count()) { recentResends.append(try reader.timestamp()) }
        let link = try decodeLinkCheck(&reader)
        let locale = try withSettings ? reader.optionalString().map(LocaleTag.init(normalised:)) : nil
        let reinviteOf: InvitationID? = try reader.format >= 4 ? reader.optionalID() : nil
        let redirect = try reader.format >= 4 ? reader.optionalString().map(RedirectURL.init(checked:)) : nil
        // Every field in the one initializer: the rarely set ones share one box, built once.
        let invitation = Invitation(
            id: id,
            orgID: orgID,
            email: email ?? Self.unfilledAddress,
            role: role,
            method: method,
            status: status,
            invitedBy: invitedBy,
            createdAt: createdAt,
            expiresAt: expiresAt,
            acceptedAt: acceptedAt,
            acceptedBy: acceptedBy,
            revokedAt: revokedAt,
            revokedBy: revokedBy,
            revokedReason: revokedReason,
            expiredAt: expiredAt,
            resentAt: resentAt,
            resendCount: resendCount,
            recentResends: recentResends,
            link: link,
            locale: locale,
            reinviteOf: reinviteOf,
            redirect: redirect
        )
        return (invitation, email == nil)
    }

    static func encode(_ key: APIKey, into writer: inout BinaryWriter) {
        writer.id(key.id)
        writer.string(key.name)
        writer.u8(key.role.rawValue)
        writer.digest(key.secretDigest)
        writer.timestamp(key.createdAt)
        EventCodec.encode(key.createdBy, into: &writer)
        writer.optionalTimestamp(key.revokedAt)
    }

    static func decodeAPIKey(_ reader: inout BinaryReader) throws(LogError) -> APIKey {
        APIKey(
            id: try reader.id(),
            name: try reader.string(),
            role: try reader.enumeration(),
            secretDigest: try reader.digest(),
            createdAt: try reader.timestamp(),
            createdBy: try EventCodec.decodePrincipal(&reader),
            revokedAt: try reader.optionalTimestamp()
        )
    }

    static func encode(_ authorship: Authorship, into writer: inout BinaryWriter) {
        EventCodec.encode(authorship.author, into: &writer)
        writer.timestamp(authorship.at)
    }

    static func decodeAuthorship(_ reader: inout BinaryReader) throws(LogError) -> Authorship {
        Authorship(author: try EventCodec.decodePrincipal(&reader), at: try reader.timestamp())
    }

    /// Writes `tenant` with the ids of its `team`, whose rows the org's encoding puts after it.
    static func encode(_ tenant: Tenant, team: [Collaborator], into writer: inout BinaryWriter) {
        writer.id(tenant.id)
        writer.string(tenant.name)
        writer.optionalString(tenant.reference)
        writer.timestamp(tenant.createdAt)
        EventCodec.encode(tenant.createdBy, into: &writer)
        writer.varint(UInt64(team.count))
        for collaborator in team { writer.id(collaborator.id) }
        let workspace = tenant.workspace
        writer.varint(UInt64(workspace.notes.count))
        for note in workspace.notes {
            writer.id(note.id)
            writer.u8(note.kind.rawValue)
            writer.string(note.body)
            encode(note.authorship, into: &writer)
        }
        writer.varint(UInt64(workspace.goals.count))
        for goal in workspace.goals {
            writer.id(goal.id)
            writer.string(goal.title)
            writer.optionalString(goal.detail)
            encode(goal.authorship, into: &writer)
        }
        writer.varint(UInt64(workspace.sessions.count))
        for session in workspace.sessions {
            writer.id(session.id)
            writer.timestamp(session.occurredAt)
            writer.string(session.summary)
            encode(session.authorship, into: &writer)
        }
        writer.varint(UInt64(workspace.documents.count))
        for document in workspace.documents {
            writer.id(document.id)
            writer.string(document.name)
            writer.string(document.contentType)
            writer.signed(document.sizeBytes)
            writer.string(document.checksum)
            encode(document.authorship, into: &writer)
        }
        writer.bool(workspace.contextSummary != nil)
        if let summary = workspace.contextSummary {
            writer.string(summary.text)
            encode(summary.authorship, into: &writer)
        }
    }

    /// A tenant, with its team's size and a reader of the team's ids (read in step with the
    /// rows that follow the tenant, so that no list is built for them).
    static func decodeTenant(_ reader: inout BinaryReader) throws(LogError) -> (Tenant, team: (count: Int, ids: BinaryReader)) {
        let id: TenantID = try reader.id()
        let name = try reader.string()
        let reference = try reader.optionalString()
        let createdAt = try reader.timestamp()
        let createdBy = try EventCodec.decodePrincipal(&reader)
        let teamCount = try reader.count()
        let teamIDs = reader
        for _ in 0..<teamCount { let _: CollaboratorID = try reader.id() }
        var workspace = Workspace()
        for _ in 0..<(try reader.count()) {
            workspace.notes.append(
                Note(id: try reader.id(), kind: try reader.enumeration(), body: try reader.string(), authorship: try decodeAuthorship(&reader))
            )
        }
        for _ in 0..<(try reader.count()) {
            workspace.goals.append(
                Goal(id: try reader.id(), title: try reader.string(), detail: try reader.optionalString(), authorship: try decodeAuthorship(&reader))
            )
        }
        for _ in 0..<(try reader.count()) {
            workspace.sessions.append(
                SessionRecord(
                    id: try reader.id(),
                    occurredAt: try reader.timestamp(),
                    summary: try reader.string(),
                    authorship: try decodeAuthorship(&reader)
                )
            )
        }
        for _ in 0..<(try reader.count()) {
            workspace.documents.append(
                Document(
                    id: try reader.id(),
                    name: try reader.string(),
                    contentType: try reader.string(),
                    sizeBytes: try reader.signed(),
                    checksum: try reader.string(),
                    authorship: try decodeAuthorship(&reader)
                )
            )
        }
        if try reader.bool() {
            workspace.contextSummary = ContextSummary(text: try reader.string(), authorship: try decodeAuthorship(&reader))
        }
        let tenant = Tenant(id: id, name: name, reference: reference, createdAt: createdAt, createdBy: createdBy, workspace: workspace)
        return (tenant, (teamCount, teamIDs))
    }

    static func encode(_ row: Collaborator, userAddress: EmailAddress? = nil, into writer: inout BinaryWriter) {
        writer.id(row.id)
        writer.id(row.tenantID)
        writer.u8(row.mode.rawValue)
        writer.optionalID(row.userID)
        if let email = row.email {
            encodeAddress(email, userAddress: userAddress, into: &writer)
        } else {
            writer.u8(AddressMark.none.rawValue)
        }
        writer.optionalString(row.fullName)
        writer.bool(row.contact != nil)
        if let contact = row.contact { EventCodec.encode(contact, into: &writer) }
        EventCodec.encode(row.invitedBy, into: &writer)
        writer.timestamp(row.invitedAt)
        writer.bool(row.capOverridden)
        writer.optionalTimestamp(row.activatedAt)
        writer.optionalTimestamp(row.endedAt)
        writer.bool(row.endedBy != nil)
        if let endedBy = row.endedBy { EventCodec.encode(endedBy, into: &writer) }
        encode(row.link, into: &writer)
        writer.optionalTimestamp(row.linkExpiresAt)
        writer.optionalString(row.redirect?.value)
    }

    /// A collaborator row, and whether its address is its user's, left for the directory to
    /// fill in.
    static func decodeCollaborator(_ reader: inout BinaryReader) throws(LogError) -> (Collaborator, sharesAddress: Bool) {
        let id: CollaboratorID = try reader.id()
        let tenantID: TenantID = try reader.id()
        let mode: ParticipationMode = try reader.enumeration()
        let userID: UserID? = try reader.optionalID()
        let email: EmailAddress?
        var sharesAddress = false
        if reader.format >= 6 {
            switch try decodeAddress(&reader, of: "collaborator \(id)", optional: true) {
            case .none: email = nil
            case .written(let written): email = written
            case .users:
                guard userID != nil else { throw .malformed("collaborator \(id) has no user whose address it could share") }
                (email, sharesAddress) = (Self.unfilledAddress, true)
            }
        } else {
            email = try EventCodec.decodeOptionalEmail(&reader)
        }
        let fullName = try reader.optionalString()
        let contact = try reader.bool() ? try EventCodec.decodeContact(&reader) : nil
        let row = Collaborator(
            id: id,
            tenantID: tenantID,
            mode: mode,
            userID: userID,
            email: email,
            fullName: fullName,
            contact: contact,
            invitedBy: try EventCodec.decodePrincipal(&reader),
            invitedAt: try reader.timestamp(),
            capOverridden: try reader.bool(),
            activatedAt: try reader.optionalTimestamp(),
            endedAt: try reader.optionalTimestamp(),
            endedBy: try reader.bool() ? try EventCodec.decodePrincipal(&reader) : nil,
            link: try decodeLinkCheck(&reader),
            linkExpiresAt: try reader.optionalTimestamp(),
            redirect: reader.format >= 4 ? try reader.optionalString().map(RedirectURL.init(checked:)) : nil
        )
        return (row, sharesAddress)
    }

    /// How a member's, an invitation's or a collaborator row's address is written, from version 6: a person's
    /// address is written once, in the directory, and their rows in every org mark that it is
    /// their user's — so a start reads it once and the rows share one copy of the text.
    enum AddressMark: UInt8 {
        /// No address (a reference-only row; members always have one).
        case none = 0
        /// The address follows.
        case written = 1
        /// The address is the one the directory holds for the row's user.
        case users = 2
    }

    /// What a shared address reads as until the directory fills it in: no address is empty.
    static let unfilledAddress = EmailAddress(normalised: "")

    static func encodeAddress(_ email: EmailAddress, userAddress: EmailAddress?, into writer: inout BinaryWriter) {
        // Byte for byte: `String` equality holds between canonically equivalent forms (a
        // composed and a decomposed accent), and a row must read back with its own bytes.
        if let userAddress, email.value.utf8.elementsEqual(userAddress.value.utf8) {
            writer.u8(AddressMark.users.rawValue)
        } else {
            writer.u8(AddressMark.written.rawValue)
            EventCodec.encode(email, into: &writer)
        }
    }

    /// An address as a row of version 6 on holds it.
    private enum ReadAddress {
        case none
        case written(EmailAddress)
        /// The user's, to be filled in from the directory.
        case users
    }

    /// A row's address mark and the address after it; no address is refused unless `optional`
    /// (a collaborator row's; a member and an invitation always have one).
    private static func decodeAddress(_ reader: inout BinaryReader, of row: @autoclosure () -> String, optional: Bool) throws(LogError) -> ReadAddress
    {
        switch try reader.u8() {
        case AddressMark.none.rawValue where optional: return .none
        case AddressMark.written.rawValue: return .written(try EventCodec.decodeEmail(&reader))
        case AddressMark.users.rawValue: return .users
        case let mark: throw .malformed("\(row()) has address mark \(mark)")
        }
    }

    /// A member's or an invitation's address: `nil` when it is their user's, to be filled in.
    private static func decodeRequiredAddress(_ reader: inout BinaryReader, of row: @autoclosure () -> String) throws(LogError) -> EmailAddress? {
        if case .written(let email) = try decodeAddress(&reader, of: row(), optional: false) { return email }
        return nil
    }

    static func encode(_ entry: AuditEntry, into writer: inout BinaryWriter) {
        writer.varint(entry.sequence)
        writer.timestamp(entry.at)
        EventCodec.encode(entry.actor, into: &writer)
        writer.u8(entry.action.rawValue)
        writer.id(entry.targetID)
        writer.optionalString(entry.details)
    }

    static func decodeAuditEntry(_ reader: inout BinaryReader) throws(LogError) -> AuditEntry {
        AuditEntry(
            sequence: try reader.varint(),
            at: try reader.timestamp(),
            actor: try EventCodec.decodePrincipal(&reader),
            action: try reader.enumeration(),
            target: try reader.id(AuditEntry.TargetID.self),
            details: try reader.optionalString()
        )
    }

    // MARK: Directory

    static func encode(_ state: DirectoryState, into writer: inout BinaryWriter) {
        writer.varint(state.version)
        let users = state.users.rows.sorted { $0.id < $1.id }
        writer.varint(UInt64(users.count))
        for user in users {
            writer.id(user.id)
            EventCodec.encode(user.email, into: &writer)
            writer.optionalString(user.fullName)
            writer.timestamp(user.createdAt)
            writer.optionalID(user.createdFor)
            writer.u8(user.origin.rawValue)
            writer.optionalString(user.passwordHash)
            writer.bool(user.mustChangePassword)
            writer.bool(user.identityOrganisation != nil)
            if let identity = user.identityOrganisation {
                writer.id(identity.id)
                writer.string(identity.name)
            }
            writer.optionalTimestamp(user.lastSignInAt)
        }
        writer.varint(UInt64(state.sessions.count))
        for (digest, session) in state.sessions {
            writer.digest(digest)
            writer.id(session.userID)
            writer.timestamp(session.createdAt)
            writer.timestamp(session.expiresAt)
            writer.u8(session.method.rawValue)
        }
        writer.varint(UInt64(state.signInLinks.count))
        for link in state.signInLinks.values {
            writer.id(link.id)
            writer.id(link.userID)
            encode(link.link, into: &writer)
            writer.timestamp(link.expiresAt)
        }
    }

    static func decodeDirectory(_ reader: inout BinaryReader) throws(LogError) -> DirectoryState {
        let version = try reader.varint()
        var users = RowTable<UserID, User>()
        let userCount = try reader.count(limit: 1 << 28)
        users.reserveCapacity(min(userCount, reader.remaining))
        for _ in 0..<userCount {
            let id: UserID = try reader.id()
            let email = try EventCodec.decodeEmail(&reader)
            let fullName = try reader.optionalString()
            let createdAt = try reader.timestamp()
            let createdFor: OrganisationID? = try reader.optionalID()
            let origin: User.Origin = try reader.enumeration()
            let passwordHash = try reader.optionalString()
            let mustChange = try reader.bool()
            let identity = try reader.bool() ? IdentityOrganisation(id: try reader.id(), name: try reader.string()) : nil
            let user = User(
                id: id,
                email: email,
                fullName: fullName,
                createdAt: createdAt,
                createdFor: createdFor,
                origin: origin,
                passwordHash: passwordHash,
                mustChangePassword: mustChange,
                identityOrganisation: identity,
                lastSignInAt: try reader.optionalTimestamp()
            )
            guard users.appendNew(user) else { throw .malformed("the directory lists user \(id) twice") }
        }
        var sessions = [SecretDigest: Session]()
        let sessionCount = try reader.count(limit: 1 << 28)
        sessions.reserveCapacity(min(sessionCount, reader.remaining))
        for _ in 0..<sessionCount {
            let digest = try reader.digest()
            sessions[digest] = Session(
                userID: try reader.id(),
                createdAt: try reader.timestamp(),
                expiresAt: try reader.timestamp(),
                method: try reader.enumeration()
            )
        }
        var links = [SignInLink]()
        for _ in 0..<(try reader.count(limit: 1 << 28)) {
            let id: SignInLinkID = try reader.id()
            let userID: UserID = try reader.id()
            // Format 1 wrote the digest alone, with no presence byte.
            let check = reader.format >= 2 ? try decodeLinkCheck(&reader) : .digest(try reader.digest())
            guard let check else { throw .malformed("a sign-in link with no check") }
            links.append(SignInLink(id: id, userID: userID, link: check, expiresAt: try reader.timestamp()))
        }
        try requireDistinct(links.map(\.id), "sign-in link", in: "the directory")
        do {
            return try DirectoryState(version: version, users: users, sessions: sessions, signInLinks: links)
        } catch {
            throw .malformed("the directory lists an email twice: \(error.message)")
        }
    }
}
