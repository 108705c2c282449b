import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity
import MusterStorage
import MusterTestSupport
import PostgresNIO
import Testing

@testable import MusterCluster

/// Nodes in one process over a real PostgreSQL: what a follower applies, and what a node
/// that joins from the snapshot builds, is exactly the leader's state.
@Suite(.serialized) struct ReplicationTests {
    /// A node of the cluster on `database`, recovered and running until the test ends.
    struct RunningNode {
        let node: ClusterNode
        let engine: DurableEngine
        let log: PostgresLog
        let task: Task<Void, any Error>

        static func start(
            _ name: String,
            on database: TestDatabase,
            clock: ManualClock,
            leaseMilliseconds: Int64 = 4_000,
            beforeLeading: @escaping @Sendable () async throws -> Void = {}
        ) async throws -> RunningNode {
            var settings = database.settings
            settings.nodeName = name
            // Long enough that a test process busy with every other suite still renews in time.
            settings.leaseMilliseconds = leaseMilliseconds
            let client = ClusterNode.makeClient(settings: settings, logger: TestDatabase.logger)
            let clientTask = Task { await client.run() }
            let node = try await ClusterNode.connect(settings: settings, client: client, logger: TestDatabase.logger)
            let (engine, log) = try await node.recover(
                options: StoreOptions(dataDirectory: "/nonexistent"),
                policy: Policy(),
                secret: Array(repeating: 7, count: 32),
                clock: clock,
                hasher: PasswordHasher(rounds: 1_000),
                batchObserver: nil
            )
            let task = Task {
                defer { clientTask.cancel() }
                try await node.run(engine: engine, log: log, replicatedMarks: { _ in }, beforeLeading: beforeLeading)
            }
            return RunningNode(node: node, engine: engine, log: log, task: task)
        }

        func stop() async {
            task.cancel()
            _ = await task.result
            engine.close()
        }

        /// Waits until this node has applied `position` (or 10 s pass).
        func waitUntilApplied(_ position: LogPosition) async {
            let deadline = ContinuousClock.now + .seconds(10)
            while log.durablePosition < position, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        }
    }

    /// A fresh database with a leader (leading) and a follower on it, sharing `clock`.
    static func pair(clock: ManualClock) async throws -> (database: TestDatabase, leader: RunningNode, follower: RunningNode) {
        let database = try TestDatabase()
        let leader = try await RunningNode.start("leader", on: database, clock: clock)
        #expect(await leader.node.waitUntilLeading())
        let follower = try await RunningNode.start("follower", on: database, clock: clock)
        try await SampleWorkload.run(on: leader.engine.engine, clock: clock)
        return (database, leader, follower)
    }

    static func states(_ engine: MusterEngine) async -> ([OrgState], DirectoryState) {
        (await engine.orgStates().sorted { $0.id < $1.id }, await engine.directoryState())
    }

    @Test func aFollowerAppliesExactlyWhatTheLeaderWroteAndANewNodeJoinsFromTheSnapshot() async throws {
        let clock = ManualClock()
        let (database, leader, follower) = try await Self.pair(clock: clock)
        let snapshot = try await leader.engine.snapshot()
        #expect(snapshot.path.hasPrefix("postgresql:"))
        try await SampleWorkload.run(on: leader.engine.engine, clock: clock)
        let end = leader.log.durablePosition
        #expect(end > snapshot.position)

        await follower.waitUntilApplied(end)
        let expected = await Self.states(leader.engine.engine)
        let replicated = await Self.states(follower.engine.engine)
        #expect(replicated.0 == expected.0)
        #expect(replicated.1 == expected.1)
        // The follower's indexes moved with the records: a collaborator's caseload is the same.
        let collaborator = try #require(expected.1.users.rows.first { $0.origin == .collaborator })
        #expect(try await follower.engine.engine.caseload(of: collaborator.id) == (try await leader.engine.engine.caseload(of: collaborator.id)))
        // A follower refuses to decide anything itself.
        await #expect(throws: LogError.self) {
            _ = try await follower.engine.engine.createOrganisation(name: "Not here", by: .platformAdmin)
        }

        // A node with nothing of its own joins from the snapshot plus the log after it.
        let joiner = try await RunningNode.start("joiner", on: database, clock: clock)
        #expect(joiner.engine.report.snapshotPosition == snapshot.position)
        #expect(joiner.engine.report.records == Int(end - snapshot.position))
        let joined = await Self.states(joiner.engine.engine)
        #expect(joined.0 == expected.0)
        #expect(joined.1 == expected.1)

        for node in [joiner, follower, leader] { await node.stop() }
    }

    @Test func aNodeThatTakesLongerToCatchUpThanItsLeaseLastsKeepsTheLeaseAndLeads() async throws {
        let clock = ManualClock()
        let database = try TestDatabase()
        // Catching up (here, what runs just before leading) takes two and a half leases.
        let slow = try await RunningNode.start(
            "slow",
            on: database,
            clock: clock,
            leaseMilliseconds: 2_000,
            beforeLeading: { try await Task.sleep(for: .milliseconds(5_000)) }
        )
        try await Task.sleep(for: .milliseconds(300))
        let rival = try await RunningNode.start("rival", on: database, clock: clock, leaseMilliseconds: 2_000)
        let led = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await slow.node.waitUntilLeading() }
            group.addTask {
                try? await Task.sleep(for: .seconds(15))
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        #expect(led)
        // The lease was renewed all along: the rival never took it, and the epoch is the first.
        #expect(slow.node.current.role == .leader(epoch: 1))
        #expect(!rival.node.isLeader)
        let lease = try await database.withStore { try await $0.lease() }
        #expect(lease.epoch == 1 && lease.holderName == "slow")
        await rival.stop()
        await slow.stop()
    }

    @Test func aFollowerTakesOverWhenTheLeaderStopsAndGoesOnFromTheSameState() async throws {
        let clock = ManualClock()
        let (_, first, second) = try await Self.pair(clock: clock)
        let end = first.log.durablePosition
        let before = await Self.states(first.engine.engine)
        // A clean stop releases the lease: the follower leads at once.
        await first.node.release()
        await first.stop()
        #expect(await second.node.waitUntilLeading())
        #expect(second.log.durablePosition == end)
        #expect(second.node.current.epoch == 2)
        let after = await Self.states(second.engine.engine)
        #expect(after.0 == before.0 && after.1 == before.1)
        // And it writes from there.
        try await SampleWorkload.run(on: second.engine.engine, clock: clock)
        #expect(second.log.durablePosition > end)
        await second.stop()
    }
}
