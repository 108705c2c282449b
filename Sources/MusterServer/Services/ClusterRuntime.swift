import MusterCluster
import MusterDelivery
import MusterEngine
import MusterLog
import MusterSecurity
import MusterStorage
import Synchronization

/// A node's cluster parts, shared by the engine service (which recovers the log), the cluster
/// middleware (forwarding and the read fence) and `GET /v1/cluster`.
final class ClusterRuntime: Sendable {
    let node: ClusterNode
    /// Seals and opens the client addresses nodes vouch for when they forward a request.
    let forwardingSeal: ForwardedClientSeal
    private let recoveredLog = Mutex<PostgresLog?>(nil)
    private let depositions: AsyncStream<String>.Continuation
    /// Why this node stopped leading, once it has: the server then drains and starts again
    /// as a follower.
    let deposed: AsyncStream<String>

    /// The runtime of `node`, whose cluster shares `secret`.
    init(node: ClusterNode, secret: [UInt8]) {
        self.node = node
        forwardingSeal = ForwardedClientSeal(secret: secret)
        (deposed, depositions) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(1))
    }

    /// Tells the server that this node no longer leads, for `reason`.
    func reportDeposed(_ reason: String) {
        depositions.yield(reason)
        depositions.finish()
    }

    /// The log, once recovery has opened it.
    var log: PostgresLog? { recoveredLog.withLock { $0 } }

    /// Records the log recovery opened.
    func install(_ log: PostgresLog) {
        recoveredLog.withLock { $0 = log }
    }
}

/// The outbox's cursor, kept in the cluster's database.
struct ClusterOutboxCursor: OutboxCursorStore {
    let store: ClusterStore

    func load() async throws -> LogPosition {
        try await store.cursor("outbox")
    }

    func save(_ position: LogPosition) async throws {
        try await store.saveCursor("outbox", position)
    }
}

/// Webhook delivery progress, kept in the cluster's database for whichever node leads next;
/// written only under this node's lease.
struct ClusterWebhookProgress: WebhookProgressStore {
    let node: ClusterNode

    func entries() async throws -> [[UInt8]] {
        try await node.store.webhookEntries()
    }

    func append(_ entries: [[UInt8]]) async throws {
        guard let epoch = node.leaseEpoch else { throw LogError.notLeader("this node no longer leads") }
        try await node.store.appendWebhookEntries(entries, epoch: epoch)
    }

    func replace(with entries: [[UInt8]]) async throws {
        guard let epoch = node.leaseEpoch else { throw LogError.notLeader("this node no longer leads") }
        try await node.store.replaceWebhookEntries(entries, epoch: epoch)
    }
}

/// Idempotency answers, kept in the cluster's database for whichever node leads next.
struct ClusterAnswers: SharedAnswerStore {
    let store: ClusterStore

    func save(scope: String, key: String, at: Int64, entry: [UInt8]) async throws {
        try await store.saveAnswer(scope: scope, key: key, at: at, entry: entry)
    }

    func answers(since: Int64) async throws -> [[UInt8]] {
        try await store.answers(since: since)
    }

    func prune(before: Int64) async throws {
        try await store.pruneAnswers(before: before)
    }
}
