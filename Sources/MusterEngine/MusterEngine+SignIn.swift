import MusterDomain
import MusterSecurity

/// A person signed in: the bearer token of their new session, shown once.
public struct SignedIn: Sendable {
    public var user: User
    public var sessionToken: String
    public var session: Session
    /// For a collaborator's first sign-in, the assignment it activated.
    public var activatedAssignment: CaseloadEntry?
    /// Where that assignment's link leads after signing in, while the org allows its origin.
    public var redirect: RedirectURL?
    /// That org's default language, for the page that says so.
    public var orgLocale: LocaleTag?
}

/// The signed-in person, as `GET /v1/me` shows them.
public struct PersonProfile: Sendable {
    public var user: User
    /// The orgs the person is an active member of, with their role there.
    public var memberships: [MembershipEntry]
}

extension MusterEngine {
    /// Starts a session for `userID` and returns its bearer token (only the digest is kept).
    func startSession(for userID: UserID, method: SignInMethod) async throws -> (token: String, session: Session) {
        let token = RandomSecret.token(prefix: "mks_")
        let digest = SecretDigest(of: token)
        let position = try await directory.execute(.startSession(digest: digest, userID: userID, method: method), by: .user(userID))
        try await durable(position)
        let session = try await readDirectory { state, now throws(DomainError) in try state.session(digest, at: now) }
        return (token, session)
    }

    /// The principal a bearer token stands for: the admin token is the server's to check; this
    /// answers session tokens (`mks_…`) and org API keys (`mka_…`).
    public func authenticate(bearer token: String) async throws -> Principal {
        if token.hasPrefix("mka_") {
            return .apiKey(try await authenticateAPIKey(token).keyID)
        }
        return try await identify(bearer: token).principal
    }

    /// Who a bearer token stands for, and whether that person must change a temporary password
    /// before doing anything else: read from the directory's published view (no actor hop),
    /// behind the read fence.
    public func identify(bearer token: String) async throws -> Caller {
        if token.hasPrefix("mka_") {
            return Caller(principal: .apiKey(try await authenticateAPIKey(token).keyID), mustChangePassword: false)
        }
        guard token.hasPrefix("mks_"), token.utf8.count < 128 else { throw DomainError(.sessionInvalid, "the bearer token is not valid") }
        // From the directory's published view, not its actor: no global hop per request.
        let (session, mustChange, position) = directory.view.session(SecretDigest(of: token))
        try await durable(position)
        guard let session else { throw DomainError(.sessionInvalid, "the session is not valid; sign in again") }
        guard clock.now() < session.expiresAt else { throw DomainError(.sessionExpired, "the session has expired; sign in again") }
        return Caller(principal: .user(session.userID), mustChangePassword: mustChange)
    }

    /// Ends the session of `token` (sign-out).
    public func logout(sessionToken token: String, context: CommandContext = .detached) async throws {
        let position = try await directory.execute(.endSession(digest: SecretDigest(of: token)), by: .system, mark: context.mark)
        try await durable(position)
    }

    /// Issues a sign-in link for the user with `email`, or `nil` when there is no such user.
    /// (The HTTP layer answers the same either way, so existence is not revealed.)
    public func requestSignInLink(email: EmailAddress) async throws -> (user: User, token: String)? {
        guard let user = try await readDirectory({ state, _ in state.user(email: email) }) else { return nil }
        let linkID = SignInLinkID.timeOrdered()
        let (token, seal) = signer.sign(
            LinkToken(purpose: .signIn, orgID: OrganisationID(high: 0, low: 0), target: linkID, nonce: RandomSecret.nonce())
        )
        let position = try await directory.execute(.issueSignInLink(id: linkID, userID: user.id, seal: seal), by: .system)
        try await durable(position)
        return (user, token)
    }

    /// Uses a sign-in link or a collaborator's link once, and signs the person in.
    ///
    /// A collaborator's link activates their assignment on first use: from then on they see
    /// the tenant. Invitation links are refused here: they are accepted explicitly.
    public func verifyLink(token: String) async throws -> SignedIn {
        let content = try signer.verify(token)
        let proof = signer.proof(of: token, content)
        switch content.purpose {
        case .invitation:
            throw DomainError(.tokenInvalid, "this is an invitation link; accept the invitation instead")
        case .signIn:
            let sessionToken = RandomSecret.token(prefix: "mks_")
            let sessionDigest = SecretDigest(of: sessionToken)
            let position = try await directory.execute(.useSignInLink(id: content.target(), link: proof, sessionDigest: sessionDigest), by: .system)
            try await durable(position)
            let (user, session) = try await readDirectory { state, now throws(DomainError) in
                let session = try state.session(sessionDigest, at: now)
                return (state.users[session.userID]!, session)
            }
            return SignedIn(user: user, sessionToken: sessionToken, session: session)
        case .collaborator:
            let collaboratorID: CollaboratorID = content.target()
            let actor: OrgActor
            do { actor = try org(content.orgID) } catch { throw DomainError(.tokenInvalid, "this link does not belong to any assignment") }
            let (row, _) = try await actor.read { state, now throws(DomainError) in
                try state.activatableCollaborator(collaboratorID, link: proof, at: now)
            }
            guard let userID = row.userID else { throw DomainError(.tokenInvalid, "this link does not belong to any assignment") }
            let (entry, redirect, orgLocale) = try await run(
                .activateCollaborator(id: collaboratorID, link: proof, userID: userID),
                on: content.orgID,
                by: .user(userID),
                context: .detached
            ) { state throws(DomainError) in
                (state.collaborators[collaboratorID]!, state.collaboratorRedirect(collaboratorID), state.settings.defaultLocale)
            }
            let (sessionToken, session) = try await startSession(for: userID, method: .collaboratorLink)
            let user = try await readDirectory { state, _ throws(DomainError) in state.users[userID]! }
            let assignment = try await caseload(of: userID).first { $0.collaboratorID == entry.id }
            return SignedIn(
                user: user,
                sessionToken: sessionToken,
                session: session,
                activatedAssignment: assignment,
                redirect: redirect,
                orgLocale: orgLocale
            )
        }
    }

    /// Signs in with email and password (legacy). The answer is the same for an unknown email
    /// and a wrong password. A temporary password signs in, but the session may do nothing but
    /// change it (see ``requirePasswordChanged(_:)``).
    public func passwordSignIn(email: EmailAddress, password: String) async throws -> SignedIn {
        let user = try await readDirectory { state, _ in state.user(email: email) }
        // Hash even for an unknown email, so the timing does not tell which it was.
        let stored =
            user?.passwordHash ?? "$pbkdf2-sha256$i=\(hashing.hasher.rounds)$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        let matches = try await hashing.verify(password, against: stored)
        guard let user, user.passwordHash != nil, matches else {
            throw DomainError(.invalidCredentials, "the email or the password is wrong")
        }
        let (token, session) = try await startSession(for: user.id, method: .password)
        return SignedIn(user: user, sessionToken: token, session: session)
    }

    /// Changes the signed-in user's password, checking the current one; every other session
    /// of the user ends.
    public func changePassword(userID: UserID, current: String, new: String, context: CommandContext = .detached) async throws {
        try PasswordHasher.checkChosen(new)
        let stored = try await readDirectory { state, _ in state.users[userID]?.passwordHash }
        guard let stored, try await hashing.verify(current, against: stored) else {
            throw DomainError(.invalidCredentials, "the current password is wrong")
        }
        guard current != new else { throw DomainError.validation("the new password must differ from the current one") }
        let hash = try await hashing.hash(new)
        let position = try await directory.execute(
            .setPassword(userID: userID, passwordHash: hash, mustChange: false),
            by: .user(userID),
            mark: context.mark
        )
        try await durable(position)
    }

    /// Refuses with `password_change_required` while the user's password is a temporary one.
    public func requirePasswordChanged(_ userID: UserID) async throws {
        let mustChange = try await readDirectory { state, _ in state.users[userID]?.mustChangePassword ?? false }
        if mustChange { throw DomainError(.passwordChangeRequired, "change your temporary password first") }
    }

    /// The signed-in person and their memberships.
    public func profile(of userID: UserID) async throws -> PersonProfile {
        guard let user = try await readDirectory({ state, _ in state.users[userID] }) else {
            throw DomainError(.userNotFound, "user \(userID) does not exist")
        }
        let (memberships, position) = await people.memberships(of: userID)
        try await durable(position)
        return PersonProfile(user: user, memberships: memberships)
    }

    /// The person's sessions that have not expired, oldest first.
    public func sessions(of userID: UserID) async throws -> [(handle: UInt64, session: Session)] {
        try await readDirectory { state, now in state.sessions(of: userID, at: now) }
    }

    /// Ends one of the person's own sessions, named by its handle; a handle that names none of
    /// theirs (another person's included) is not found.
    public func endSession(of userID: UserID, handle: UInt64, context: CommandContext = .detached) async throws {
        let notFound = DomainError.notFound("you have no session \(Self.sessionIDText(handle))")
        guard let digest = try await readDirectory({ state, now in state.sessionDigest(of: userID, handle: handle, at: now) }) else { throw notFound }
        do {
            let position = try await directory.execute(.endSession(digest: digest), by: .system, mark: context.mark)
            try await durable(position)
        } catch let error as DomainError where error.code == .sessionInvalid {
            // Ended in between (a second click): the session is gone, which is what was asked,
            // but say so as not found — a 401 would read as the caller's own session ending.
            throw notFound
        }
    }

    /// A session's id as the API shows it: its handle in 16 hex digits.
    public static func sessionIDText(_ handle: UInt64) -> String {
        let digits = String(handle, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A user by email, with their memberships and active assignments in every org: for the
    /// platform admin only, whose authority is the deployment's.
    public func person(email: EmailAddress, by principal: Principal) async throws -> (profile: PersonProfile, caseload: [CaseloadEntry])? {
        guard principal == .platformAdmin else { throw DomainError.forbidden("looking people up across organisations is for the platform admin") }
        guard let user = try await readDirectory({ state, _ in state.user(email: email) }) else { return nil }
        let profile = try await profile(of: user.id)
        return (profile, try await caseload(of: user.id))
    }

    /// The tenants the person sees now, across every org that invited them: from the caseload
    /// index, never by asking the orgs; behind the read fence like every read, so an
    /// assignment made or ended shows only once it is durable.
    public func caseload(of userID: UserID) async throws -> [CaseloadEntry] {
        let (entries, position) = await people.caseload(of: userID)
        try await durable(position)
        return entries
    }

    /// Removes the sessions and sign-in links that have expired (the sweep); returns how many.
    @discardableResult
    public func removeExpiredSignIns() async throws -> Int {
        let before = try await readDirectory { state, _ in state.sessions.count + state.signInLinks.count }
        let position = try await directory.execute(.removeExpired, by: .system)
        try await durable(position)
        let after = try await readDirectory { state, _ in state.sessions.count + state.signInLinks.count }
        return max(0, before - after)
    }
}

/// Who is calling, as a bearer token identifies them.
public struct Caller: Hashable, Sendable {
    /// The principal every decision is made for.
    public var principal: Principal
    /// Whether the person signed in with a temporary password that must be changed first.
    public var mustChangePassword: Bool

    /// Creates a caller.
    public init(principal: Principal, mustChangePassword: Bool) {
        self.principal = principal
        self.mustChangePassword = mustChangePassword
    }
}

/// What a sign-in or collaborator link is for, read without using it (the link pages show it
/// before the person presses the button).
public struct LinkPreview: Sendable {
    public enum Purpose: Sendable {
        case signIn
        case collaborator(orgName: String, tenantName: String, mode: ParticipationMode)
    }

    public var purpose: Purpose
    public var expiresAt: Timestamp?
    /// Why the link no longer works, or `nil` when using it would succeed now.
    public var refusal: DomainError?
}

extension MusterEngine {
    /// What `token` is for and whether using it would succeed now. Changes nothing: mail
    /// scanners open links, so only ``verifyLink(token:)`` uses one.
    public func previewLink(token: String) async throws -> LinkPreview {
        let content = try signer.verify(token)
        let proof = signer.proof(of: token, content)
        switch content.purpose {
        case .invitation:
            throw DomainError(.tokenInvalid, "this is an invitation link; accept the invitation instead")
        case .signIn:
            let linkID: SignInLinkID = content.target()
            return try await readDirectory { state, now throws(DomainError) in
                guard let link = state.signInLinks[linkID] else {
                    return LinkPreview(
                        purpose: .signIn,
                        refusal: DomainError(.tokenUsed, "this sign-in link has been used already; ask for a new one")
                    )
                }
                guard link.link.admits(proof) else { throw DomainError(.tokenInvalid, "this sign-in link is not valid") }
                let refusal = now < link.expiresAt ? nil : DomainError(.tokenExpired, "this sign-in link has expired; ask for a new one")
                return LinkPreview(purpose: .signIn, expiresAt: link.expiresAt, refusal: refusal)
            }
        case .collaborator:
            let collaboratorID: CollaboratorID = content.target()
            let actor: OrgActor
            do { actor = try org(content.orgID) } catch { throw DomainError(.tokenInvalid, "this link does not belong to any assignment") }
            let (preview, position) = try await actor.read { state, now throws(DomainError) -> LinkPreview in
                guard let row = state.collaborators[collaboratorID], row.mode != .referenceOnly, let tenant = state.tenants[row.tenantID] else {
                    throw DomainError(.tokenInvalid, "this link does not belong to any assignment")
                }
                var refusal: DomainError?
                do throws(DomainError) { _ = try state.activatableCollaborator(collaboratorID, link: proof, at: now) } catch { refusal = error }
                return LinkPreview(
                    purpose: .collaborator(orgName: state.name, tenantName: tenant.name, mode: row.mode),
                    expiresAt: row.linkExpiresAt,
                    refusal: refusal
                )
            }
            try await durable(position)
            return preview
        }
    }
}
