import MusterDomain
import Synchronization

extension MusterEngine {
    /// Applies records another node decided and made durable, in log order: how a follower of
    /// the shared log (PostgreSQL, for several nodes) keeps its state, through the same `apply`
    /// as every live change and every replay.
    ///
    /// A follower never decides; every command it receives goes to the leader. An org the
    /// follower has not seen gets its actor with its first record; the person index, the
    /// directory's view and the webhook table move with the records, so every read a follower
    /// answers — authentication included — reflects everything it has applied.
    public func applyReplicated(_ records: [DurableRecord]) async throws {
        for entry in records {
            switch entry.record {
            case .directory(let events):
                try await directory.applyReplicated(events, at: entry.position)
            case .org(let orgID, let events):
                let actor = orgs.withLock { table in
                    if let existing = table[orgID] { return existing }
                    let created = OrgActor(state: OrgState(id: orgID), sink: sink, clock: clock, policy: policy, changes: changes, traces: traces)
                    table[orgID] = created
                    return created
                }
                let personChanges = try await actor.applyReplicated(events, at: entry.position)
                if !personChanges.isEmpty { await people.merge(personChanges, position: entry.position) }
                webhookDirectory.note(events, of: orgID)
            }
        }
    }
}

/// A replicated record that does not follow the state it is applied to: the node missed part
/// of the log and must start again from a snapshot.
public struct ReplicationGap: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
