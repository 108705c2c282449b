import MusterDomain
import Synchronization

/// The facts every request needs from the directory — which session a bearer token opens, and
/// whether an email already has a user — published by ``UserDirectory`` inside its own step,
/// so that no request waits for the directory's actor to ask.
///
/// Kept by applying the same events as the directory, under a lock held for a dictionary
/// lookup. It carries the log position it reflects, so a reader still waits for that position
/// to be durable before it answers (the read fence), and an ended session fails on the very
/// next request.
final class DirectoryView: Sendable {
    private struct Tables {
        var sessions: [SecretDigest: Session] = [:]
        var sessionsByUser: [UserID: Set<SecretDigest>] = [:]
        var mustChangePassword: Set<UserID> = []
        var userByEmail: [EmailAddress: UserID] = [:]
        var position: LogPosition = 0
    }

    private let tables: Mutex<Tables>

    /// A view of `state`, as of `position`. The state's own indexes are shared, not rebuilt
    /// (copy on write): a start from a snapshot of many users does not wait for them.
    init(_ state: DirectoryState, position: LogPosition) {
        var tables = Tables()
        tables.sessions = state.sessions
        tables.sessionsByUser = state.sessionsByUser
        tables.userByEmail = state.userByEmail
        for user in state.users.rows where user.mustChangePassword { tables.mustChangePassword.insert(user.id) }
        tables.position = position
        self.tables = Mutex(tables)
    }

    /// Follows the directory's events; called by its actor right after it applied them.
    func apply(_ records: [DirectoryEventRecord], position: LogPosition) {
        tables.withLock { tables in
            for record in records {
                switch record.event {
                case .userCreated(let userID, let email, _, _, _, let passwordHash, _):
                    tables.userByEmail[email] = userID
                    if passwordHash != nil { tables.mustChangePassword.insert(userID) }
                case .passwordSet(let userID, _, let mustChange):
                    if mustChange { tables.mustChangePassword.insert(userID) } else { tables.mustChangePassword.remove(userID) }
                case .sessionStarted(let digest, let userID, let expiresAt, let method):
                    tables.sessions[digest] = Session(userID: userID, createdAt: record.at, expiresAt: expiresAt, method: method)
                    tables.sessionsByUser[userID, default: []].insert(digest)
                case .sessionEnded(let digest):
                    if let session = tables.sessions.removeValue(forKey: digest) { tables.sessionsByUser[session.userID]?.remove(digest) }
                case .userSessionsEnded(let userID):
                    for digest in tables.sessionsByUser.removeValue(forKey: userID) ?? [] { tables.sessions[digest] = nil }
                case .expiredRemoved(let cutoff):
                    for (digest, session) in tables.sessions where session.expiresAt <= cutoff {
                        tables.sessions[digest] = nil
                        tables.sessionsByUser[session.userID]?.remove(digest)
                    }
                case .signInLinkIssued, .signInLinkUsed:
                    continue
                }
            }
            tables.position = position
        }
    }

    /// The session of a token digest (if any), whether its user must change their password,
    /// and the position to wait for before saying either — a refusal reveals as much as an answer.
    func session(_ digest: SecretDigest) -> (session: Session?, mustChangePassword: Bool, position: LogPosition) {
        tables.withLock { tables in
            let session = tables.sessions[digest]
            return (session, session.map { tables.mustChangePassword.contains($0.userID) } ?? false, tables.position)
        }
    }

    /// The user with `email`, if any, and the position to wait for.
    func userID(email: EmailAddress) -> (UserID?, LogPosition) {
        tables.withLock { ($0.userByEmail[email], $0.position) }
    }

    /// The users of `emails`, in order, and the position to wait for.
    func userIDs(emails: [EmailAddress]) -> ([UserID?], LogPosition) {
        tables.withLock { tables in (emails.map { tables.userByEmail[$0] }, tables.position) }
    }
}
