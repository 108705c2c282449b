import MusterCluster
import MusterDelivery
import MusterEngine
import MusterLog
import Synchronization

/// A node's cluster parts, shared by the engine service (which recovers the log), the cluster
/// middleware (forwarding and the read fence) and `GET /v1/cluster`.
final class ClusterRuntime: Sendable {
    let node: ClusterNode
    private let recoveredLog = Mutex<PostgresLog?>(nil)

    init(node: ClusterNode) {
        self.node = node
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
