/// The global directory: every user by id and by normalised email, their sessions and their
/// outstanding sign-in links. Event-sourced like an org, owned by one actor.
public struct DirectoryState: Hashable, Sendable {
    /// Every user, in the order they were created (a snapshot's order after a start).
    public internal(set) var users = RowTable<UserID, User>()
    public internal(set) var sessions: [SecretDigest: Session] = [:]
    public internal(set) var signInLinks: [SignInLinkID: SignInLink] = [:]
    /// The sequence number of the last applied event.
    public internal(set) var version: UInt64 = 0

    /// Every user's id by normalised email.
    public internal(set) var userByEmail: [EmailAddress: UserID] = [:]
    /// Each user's live sessions.
    public internal(set) var sessionsByUser: [UserID: Set<SecretDigest>] = [:]

    /// An empty directory.
    public init() {}

    /// Rebuilds a directory from its rows, as a snapshot keeps them; the indexes are derived.
    /// Two users with one email are refused (`conflict`, naming it): the check is the building
    /// of the email index itself, so a start hashes each address once.
    public init(version: UInt64, users: RowTable<UserID, User>, sessions: [SecretDigest: Session], signInLinks: [SignInLink]) throws(DomainError) {
        self.version = version
        self.users = users
        var userByEmail = [EmailAddress: UserID](minimumCapacity: users.count)
        for user in users.rows where userByEmail.updateValue(user.id, forKey: user.email) != nil {
            throw DomainError(.conflict, "two users have the email \(user.email)")
        }
        self.userByEmail = userByEmail
        self.sessions = sessions
        for (digest, session) in sessions { sessionsByUser[session.userID, default: []].insert(digest) }
        self.signInLinks = Dictionary(uniqueKeysWithValues: signInLinks.map { ($0.id, $0) })
    }

    /// The user with `email`, if there is one.
    public func user(email: EmailAddress) -> User? {
        userByEmail[email].flatMap { users[$0] }
    }

    /// The sessions of `userID` that have not expired, oldest first, each with its handle (see
    /// ``SecretDigest/handle``): what `GET /v1/me/sessions` lists.
    public func sessions(of userID: UserID, at now: Timestamp) -> [(handle: UInt64, session: Session)] {
        (sessionsByUser[userID] ?? []).compactMap { digest in
            sessions[digest].flatMap { $0.expiresAt > now ? (digest.handle, $0) : nil }
        }.sorted { ($0.session.createdAt, $0.handle) < ($1.session.createdAt, $1.handle) }
    }

    /// The digest of the live session of `userID` whose handle is `handle`, if they have one.
    public func sessionDigest(of userID: UserID, handle: UInt64, at now: Timestamp) -> SecretDigest? {
        sessionsByUser[userID]?.first { $0.handle == handle && (sessions[$0]?.expiresAt ?? now) > now }
    }

    /// The live session with `digest` at `now`, or why there is none.
    public func session(_ digest: SecretDigest, at now: Timestamp) throws(DomainError) -> Session {
        guard let session = sessions[digest] else { throw DomainError(.sessionInvalid, "the session is not valid; sign in again") }
        guard now < session.expiresAt else { throw DomainError(.sessionExpired, "the session has expired; sign in again") }
        return session
    }

    /// Decides a command and wraps its events in records numbered after the current version.
    public func decideRecords(
        _ command: DirectoryCommand,
        by principal: Principal,
        at now: Timestamp,
        policy: Policy
    ) throws(DomainError)
        -> [DirectoryEventRecord]
    {
        try decide(command, at: now, policy: policy).enumerated().map { offset, event in
            DirectoryEventRecord(sequence: version + 1 + UInt64(offset), at: now, actor: principal, event: event)
        }
    }

    /// Decides a command against the directory at `now`. Who may ask is the engine's to check
    /// (the directory serves every org); the rules here are about the records themselves.
    public func decide(_ command: DirectoryCommand, at now: Timestamp, policy: Policy) throws(DomainError) -> [DirectoryEvent] {
        switch command {
        case .createUser(let userID, let email, let fullName, let origin, let createdFor, let passwordHash, let identity):
            // No record is named: the refusal can reach an org (two creations racing), and a
            // user's global id is not an org's to learn.
            if user(email: email) != nil {
                throw DomainError(.userExists, "an account with the email \(email) exists already; invite them by email instead")
            }
            guard users[userID] == nil else { throw DomainError(.conflict, "user \(userID) exists already") }
            let fullName = try Validate.optionalName(fullName, field: "full_name", policy: policy)
            return [
                .userCreated(
                    id: userID,
                    email: email,
                    fullName: fullName,
                    origin: origin,
                    createdFor: createdFor,
                    passwordHash: passwordHash,
                    identityOrganisation: identity
                )
            ]
        case .setPassword(let userID, let passwordHash, let mustChange):
            guard users[userID] != nil else { throw DomainError(.userNotFound, "user \(userID) does not exist") }
            let ended: [DirectoryEvent] = sessionsByUser[userID]?.isEmpty == false ? [.userSessionsEnded(userID: userID)] : []
            return [.passwordSet(userID: userID, passwordHash: passwordHash, mustChange: mustChange)] + ended
        case .startSession(let digest, let userID, let method):
            guard users[userID] != nil else { throw DomainError(.userNotFound, "user \(userID) does not exist") }
            guard sessions[digest] == nil else { throw DomainError(.conflict, "that session exists already") }
            return [.sessionStarted(digest: digest, userID: userID, expiresAt: now.adding(policy.sessionLifetime), method: method)]
        case .endSession(let digest):
            guard sessions[digest] != nil else { throw DomainError(.sessionInvalid, "the session is not valid") }
            return [.sessionEnded(digest: digest)]
        case .issueSignInLink(let linkID, let userID, let seal):
            guard users[userID] != nil else { throw DomainError(.userNotFound, "user \(userID) does not exist") }
            return [.signInLinkIssued(id: linkID, userID: userID, seal: seal, expiresAt: now.adding(policy.signInLinkLifetime))]
        case .useSignInLink(let linkID, let proof, let sessionDigest):
            guard let link = signInLinks[linkID] else {
                throw DomainError(.tokenUsed, "this sign-in link has been used already; ask for a new one")
            }
            guard link.link.admits(proof) else { throw DomainError(.tokenInvalid, "this sign-in link is not valid") }
            guard now < link.expiresAt else { throw DomainError(.tokenExpired, "this sign-in link has expired; ask for a new one") }
            return [
                .signInLinkUsed(id: linkID),
                .sessionStarted(digest: sessionDigest, userID: link.userID, expiresAt: now.adding(policy.sessionLifetime), method: .signInLink),
            ]
        case .removeExpired:
            let anyExpired = sessions.values.contains { $0.expiresAt <= now } || signInLinks.values.contains { $0.expiresAt <= now }
            return anyExpired ? [.expiredRemoved(cutoff: now)] : []
        }
    }

    /// Folds one event into the directory, the same live and on replay.
    public mutating func apply(_ record: DirectoryEventRecord) {
        precondition(record.sequence == version + 1, "directory event \(record.sequence) applied at version \(version)")
        version = record.sequence
        let now = record.at
        switch record.event {
        case .userCreated(let userID, let email, let fullName, let origin, let createdFor, let passwordHash, let identity):
            users[userID] = User(
                id: userID,
                email: email,
                fullName: fullName,
                createdAt: now,
                createdFor: createdFor,
                origin: origin,
                passwordHash: passwordHash,
                mustChangePassword: passwordHash != nil,
                identityOrganisation: identity
            )
            userByEmail[email] = userID
        case .passwordSet(let userID, let passwordHash, let mustChange):
            users[userID]?.passwordHash = passwordHash
            users[userID]?.mustChangePassword = mustChange
        case .sessionStarted(let digest, let userID, let expiresAt, let method):
            sessions[digest] = Session(userID: userID, createdAt: now, expiresAt: expiresAt, method: method)
            sessionsByUser[userID, default: []].insert(digest)
            users[userID]?.lastSignInAt = now
        case .sessionEnded(let digest):
            if let session = sessions.removeValue(forKey: digest) {
                sessionsByUser[session.userID]?.remove(digest)
                if sessionsByUser[session.userID]?.isEmpty == true { sessionsByUser[session.userID] = nil }
            }
        case .userSessionsEnded(let userID):
            for digest in sessionsByUser.removeValue(forKey: userID) ?? [] {
                sessions[digest] = nil
            }
        case .signInLinkIssued(let linkID, let userID, let seal, let expiresAt):
            signInLinks[linkID] = SignInLink(id: linkID, userID: userID, link: LinkCheck(seal), expiresAt: expiresAt)
        case .signInLinkUsed(let linkID):
            signInLinks[linkID] = nil
        case .expiredRemoved(let cutoff):
            for (digest, session) in sessions where session.expiresAt <= cutoff {
                sessions[digest] = nil
                sessionsByUser[session.userID]?.remove(digest)
                if sessionsByUser[session.userID]?.isEmpty == true { sessionsByUser[session.userID] = nil }
            }
            signInLinks = signInLinks.filter { $0.value.expiresAt > cutoff }
        }
    }
}
