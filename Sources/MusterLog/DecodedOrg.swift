import MusterDomain
import MusterStorage

/// An org's rows as a snapshot block holds them, before the addresses they share with the
/// directory are filled in.
///
/// A snapshot writes a person's address once, in the directory's block, and marks the members
/// and collaborator rows that carry it (see ``StateCodec/AddressMark``). The blocks are read in
/// parallel, the directory's beside the orgs', so an org's rows are read first and its state is
/// built once the directory is there: its rows then share the directory's copy of each address
/// instead of each holding its own (a million of them on a large folder).
struct DecodedOrg {
    var id: OrganisationID
    var name: String
    var createdAt: Timestamp
    var version: UInt64
    var members: [Member]
    var invitations: RowTable<InvitationID, Invitation>
    var apiKeys: [APIKey]
    var tenants: RowTable<TenantID, Tenant>
    var collaborators: RowTable<CollaboratorID, Collaborator>
    var webhooks: [Webhook]
    var audit: AuditTrail
    var settings: OrgSettings
    /// The members whose address is their user's, by position in ``members``.
    var membersSharingAddress: [Int]
    /// The invitations whose address is that of the user who accepted them, by position in
    /// ``invitations``.
    var invitationsSharingAddress: [Int]
    /// The collaborator rows whose address is their user's, by position in ``collaborators``.
    var rowsSharingAddress: [Int]

    /// The org's state, each shared address filled in from `directory`; a mark that names a
    /// user the directory does not have is refused.
    consuming func state(sharingAddressesOf directory: DirectoryState?) throws(LogError) -> OrgState {
        if !membersSharingAddress.isEmpty || !invitationsSharingAddress.isEmpty || !rowsSharingAddress.isEmpty {
            guard let directory else { throw .malformed("org \(id) shares addresses with a directory that was not read") }
            for position in membersSharingAddress {
                members[position].email = try Self.address(of: members[position].userID, in: directory, for: id)
            }
            for position in invitationsSharingAddress {
                // An invitation marked as sharing was accepted: the decoder refused one that was not.
                let userID = invitations.rows.withUnsafeBufferPointer { $0[position].acceptedBy! }
                let email = try Self.address(of: userID, in: directory, for: id)
                invitations.modifyRow(at: position) { $0.email = email }
            }
            for position in rowsSharingAddress {
                // A row marked as sharing has a user: the decoder refused one without.
                let userID = collaborators.rows.withUnsafeBufferPointer { $0[position].userID! }
                let email = try Self.address(of: userID, in: directory, for: id)
                collaborators.modifyRow(at: position) { $0.email = email }
            }
        }
        return OrgState(
            id: id,
            name: name,
            createdAt: createdAt,
            version: version,
            members: members,
            invitations: invitations,
            apiKeys: apiKeys,
            tenants: tenants,
            collaborators: collaborators,
            webhooks: webhooks,
            audit: audit,
            settings: settings
        )
    }

    private static func address(of userID: UserID, in directory: DirectoryState, for orgID: OrganisationID) throws(LogError) -> EmailAddress {
        guard let email = directory.users.withRow(userID, { $0.pointee.email }) else {
            throw .malformed("org \(orgID) shares the address of user \(userID), who is not in the directory")
        }
        return email
    }
}
