import MusterEngine

/// The cluster as `GET /v1/cluster` shows it: who leads, under which epoch, and each node's
/// progress through the log.
package struct ClusterView: Sendable, Equatable {
    /// One node, as its heartbeats tell.
    package struct Node: Sendable, Equatable {
        package var name: String
        package var url: String
        /// `leader` or `follower`, as the node last said (a node silent for long is `unreachable`).
        package var role: String
        package var appliedPosition: LogPosition
        package var lagRecords: UInt64
        package var lastSeen: String

        /// A node with these figures.
        package init(name: String, url: String, role: String, appliedPosition: LogPosition, lagRecords: UInt64, lastSeen: String) {
            self.name = name
            self.url = url
            self.role = role
            self.appliedPosition = appliedPosition
            self.lagRecords = lagRecords
            self.lastSeen = lastSeen
        }
    }

    package var leader: String?
    package var epoch: Int64
    package var nodes: [Node]

    /// A view with these figures.
    package init(leader: String?, epoch: Int64, nodes: [Node]) {
        self.leader = leader
        self.epoch = epoch
        self.nodes = nodes
    }
}

extension ClusterNode {
    /// The cluster as the database knows it now; a node unheard of for five leases is shown
    /// `unreachable`.
    package func clusterView() async throws -> ClusterView {
        let lease = try await store.lease()
        let end = try await store.logEnd()
        let silentLimit = settings.leaseMilliseconds * 5
        let nodes = try await store.nodes().map { row in
            ClusterView.Node(
                name: row.name,
                url: row.url,
                role: row.silentMilliseconds > silentLimit
                    ? "unreachable" : (row.name == lease.holderName && lease.remainingMilliseconds >= 0 ? "leader" : "follower"),
                appliedPosition: row.appliedPosition,
                lagRecords: end > row.appliedPosition ? end - row.appliedPosition : 0,
                lastSeen: row.lastSeen
            )
        }
        return ClusterView(leader: lease.remainingMilliseconds >= 0 ? lease.holderName : nil, epoch: lease.epoch, nodes: nodes)
    }
}
