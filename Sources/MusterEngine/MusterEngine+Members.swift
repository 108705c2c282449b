import MusterDomain
import MusterSecurity

/// A user created with a temporary password, which the admin passes on out of band.
public struct DirectlyCreatedUser: Sendable {
    public var member: Member
    /// Shown once; only a slow hash is kept, and it must be changed at first sign-in.
    public var temporaryPassword: String
}

/// A new API key and its secret, shown once.
public struct IssuedAPIKey: Sendable {
    public var key: APIKey
    public var secret: String
}

extension MusterEngine {
    /// Creates a user with a temporary password and makes them a member (the legacy way).
    ///
    /// An email that already has an account is refused `user_exists` with no record named: a
    /// member of this org is named by ``OrgState/checkCanJoin(userID:email:role:by:)`` as its
    /// own member, but an account that lives only elsewhere is a person of other orgs, whose
    /// global id and memberships are not this org's to learn. They are invited instead.
    ///
    /// The one exception is this org's own unfinished creation: the user is written before
    /// the membership (two records), so a crash between them leaves an account that nobody has
    /// a password for. A retry finds it — made here, by this org, never signed in, never a
    /// member anywhere — and finishes it with a new temporary password instead of refusing.
    public func createUserWithTemporaryPassword(
        org orgID: OrganisationID,
        email: EmailAddress,
        fullName: String?,
        role: Role,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> DirectlyCreatedUser {
        let policy = self.policy
        _ = try await read(orgID) { state, _ throws(DomainError) in
            try state.requireDirectCreate(by: principal, policy: policy)
            try state.checkCanJoin(userID: nil, email: email, role: role, by: principal)
        }
        if let existing = try await readDirectory({ state, _ in state.user(email: email) }) {
            guard try await isUnfinishedCreation(existing, by: orgID) else {
                throw DomainError(.userExists, "an account with the email \(email) exists already; invite them by email instead (POST …/invitations)")
            }
            // Claimed by the membership first: of two retries racing, the one whose membership
            // is refused has changed nothing, and no answer's password is overwritten.
            let member = try await addDirectMember(existing.id, email: email, role: role, org: orgID, by: principal, context: context)
            let password = RandomSecret.temporaryPassword()
            let hash = try await hashing.hash(password)
            try await durable(try await directory.execute(.setPassword(userID: existing.id, passwordHash: hash, mustChange: true), by: principal))
            return DirectlyCreatedUser(member: member, temporaryPassword: password)
        }
        let password = RandomSecret.temporaryPassword()
        let hash = try await hashing.hash(password)
        let userID = UserID.timeOrdered()
        let position = try await directory.execute(
            .createUser(
                id: userID,
                email: email,
                fullName: fullName,
                origin: .temporaryPassword,
                createdFor: orgID,
                passwordHash: hash,
                identityOrganisation: nil
            ),
            by: principal
        )
        try await durable(position)
        let member = try await addDirectMember(userID, email: email, role: role, org: orgID, by: principal, context: context)
        return DirectlyCreatedUser(member: member, temporaryPassword: password)
    }

    /// Makes the user a member directly, as a new account (the last record of a direct
    /// creation, which carries the request's mark).
    private func addDirectMember(
        _ userID: UserID,
        email: EmailAddress,
        role: Role,
        org orgID: OrganisationID,
        by principal: Principal,
        context: CommandContext
    ) async throws -> Member {
        try await run(.addDirectMember(userID: userID, email: email, role: role, userIsNew: true), on: orgID, by: principal, context: context) {
            state throws(DomainError) in
            state.members[userID]!
        }
    }

    /// Whether `user` is what a crash leaves of `orgID`'s own direct creation: made with a
    /// temporary password for this org, never signed in, and a member of no org. Anything
    /// else is someone's account, whose password this org may not set.
    private func isUnfinishedCreation(_ user: User, by orgID: OrganisationID) async throws -> Bool {
        guard user.origin == .temporaryPassword, user.createdFor == orgID, user.lastSignInAt == nil else { return false }
        return await people.memberships(of: user.id).entries.isEmpty
    }

    /// A page of the org's members.
    public func members(
        org orgID: OrganisationID,
        includeRemoved: Bool = false,
        matching filter: MemberFilter = MemberFilter(),
        after cursor: UInt64? = nil,
        limit: Int = 100,
        by principal: Principal
    ) async throws -> Page<Member> {
        try await read(orgID) { state, _ throws(DomainError) in
            try state.membersPage(for: principal, includeRemoved: includeRemoved, after: cursor, limit: limit, matching: filter)
        }
    }

    /// The org's API keys, oldest first (never their secrets).
    public func apiKeys(org orgID: OrganisationID, by principal: Principal) async throws -> [(key: APIKey, lastUsedAt: Timestamp?)] {
        let keys = try await read(orgID) { state, _ throws(DomainError) in try state.apiKeysList(for: principal) }
        return keys.map { ($0, keyUsage.lastUsed($0.id)) }
    }

    /// Changes a member's role.
    public func changeRole(
        org orgID: OrganisationID,
        user userID: UserID,
        to role: Role,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> Member {
        try await run(.changeRole(userID: userID, role: role), on: orgID, by: principal, context: context) { state throws(DomainError) in
            state.members[userID]!
        }
    }

    /// Grants and withdraws single permission keys of a member, without changing their role.
    public func changeGrants(
        org orgID: OrganisationID,
        user userID: UserID,
        grant: PermissionSet,
        withdraw: PermissionSet,
        by principal: Principal,
        context: CommandContext = .detached
    )
        async throws -> Member
    {
        try await run(.changeGrants(userID: userID, grant: grant, withdraw: withdraw), on: orgID, by: principal, context: context) {
            state throws(DomainError) in
            state.members[userID]!
        }
    }

    /// Ends a membership; the row stays, marked removed.
    public func removeMember(
        org orgID: OrganisationID,
        user userID: UserID,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> Member {
        try await run(.removeMember(userID: userID), on: orgID, by: principal, context: context) { state throws(DomainError) in state.members[userID]!
        }
    }

    /// Issues a new temporary password for a member, ending all their sessions.
    ///
    /// The org decides with what only the engine can see: whether the person belongs to any
    /// other org (then only the platform admin may reset it) and whether they have a password
    /// at all. The org command is decided and logged before the directory changes, so a
    /// refusal leaves the person's password as it was.
    public func resetPassword(
        org orgID: OrganisationID,
        user userID: UserID,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> String {
        let hasPassword = try await readDirectory { state, _ in state.users[userID]?.passwordHash != nil }
        let target = PasswordResetTarget(isSharedWithOtherOrgs: await people.belongsElsewhere(userID, than: orgID), hasPassword: hasPassword)
        let policy = self.policy
        _ = try await read(orgID) { state, _ throws(DomainError) in
            try state.checkResetPassword(userID, target: target, by: principal, policy: policy)
        }
        let password = RandomSecret.temporaryPassword()
        let hash = try await hashing.hash(password)
        // The request's mark goes on the second and last record, the new password with its
        // sessions ended: a crash before it leaves the reset for a retry to make, not
        // reported as made.
        let unmarked = CommandContext(written: context.written)
        try await run(.resetPassword(userID: userID, target: target), on: orgID, by: principal, context: unmarked) { _ throws(DomainError) in () }
        let directoryPosition = try await directory.execute(
            .setPassword(userID: userID, passwordHash: hash, mustChange: true),
            by: principal,
            mark: context.mark
        )
        try await durable(directoryPosition)
        return password
    }

    /// Creates an org API key; the secret is returned once and only its digest is kept.
    public func createAPIKey(
        org orgID: OrganisationID,
        name: String,
        role: Role,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> IssuedAPIKey {
        let keyID = APIKeyID.timeOrdered()
        let secret = "mka_" + orgID.description.replacingHyphens() + keyID.description.replacingHyphens() + RandomSecret.token(prefix: "_")
        let key = try await run(
            .createAPIKey(id: keyID, name: name, role: role, secretDigest: SecretDigest(of: secret)),
            on: orgID,
            by: principal,
            context: context
        ) {
            state throws(DomainError) in
            state.apiKeys[keyID]!
        }
        return IssuedAPIKey(key: key, secret: secret)
    }

    /// Revokes an org API key; requests with it fail from the next one on.
    public func revokeAPIKey(
        org orgID: OrganisationID,
        id keyID: APIKeyID,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> APIKey {
        try await run(.revokeAPIKey(id: keyID), on: orgID, by: principal, context: context) { state throws(DomainError) in state.apiKeys[keyID]! }
    }

    /// The org and key a bearer API key stands for, if it is one of an org's active keys.
    public func authenticateAPIKey(_ secret: String) async throws -> (orgID: OrganisationID, keyID: APIKeyID) {
        let invalid = DomainError(.sessionInvalid, "the API key is not valid")
        let hex = secret.dropFirst(4).prefix(64)
        guard secret.hasPrefix("mka_"), secret.utf8.count < 160, hex.count == 64,
            let orgID = OrganisationID(String(hex.prefix(32)).withHyphens()), let keyID = APIKeyID(String(hex.suffix(32)).withHyphens())
        else { throw invalid }
        let actor: OrgActor
        do { actor = try org(orgID) } catch { throw invalid }
        let digest = SecretDigest(of: secret)
        let (key, position, firstUse) = await actor.authenticateKey(keyID, digest: digest)
        try await durable(position)
        guard let key, key.secretDigest == digest else { throw invalid }
        guard key.isActive else { throw DomainError(.apiKeyRevoked, "the API key has been revoked") }
        if let firstUse { keyUsage.note(keyID, at: firstUse) }
        return (orgID, keyID)
    }
}

extension String {
    /// The text without its hyphens: a UUID in 32 hex digits.
    func replacingHyphens() -> String { filter { $0 != "-" } }

    /// 32 hex digits as a UUID's canonical 8-4-4-4-12 text.
    func withHyphens() -> String {
        guard count == 32 else { return self }
        let characters = Array(self)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
