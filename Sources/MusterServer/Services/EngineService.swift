import CMusterSystem
import CoreMetrics
import Logging
import MusterCluster
import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity
import ServiceLifecycle

/// Where the server's engine comes from.
enum EngineSource: Sendable {
    /// Recover the durable engine from the data folder (`muster serve`).
    case durable(secret: [UInt8], hasher: PasswordHasher, clock: any WallClock)
    /// An engine that is ready already (tests with an in-memory sink).
    case ready(MusterEngine)
    /// An engine that is ready once `make` returns: tests of the time before recovery ends.
    case eventually(@Sendable () async throws -> MusterEngine)
    /// Recover from the cluster's database and follow or lead (`muster serve --postgres-url`).
    case cluster(ClusterRuntime, secret: [UInt8], hasher: PasswordHasher, clock: any WallClock)
}

extension EngineSource: CustomStringConvertible {
    /// Which source it is, never the secret it carries.
    var description: String {
        switch self {
        case .durable: "durable"
        case .ready: "ready"
        case .eventually: "eventually"
        case .cluster: "cluster"
        }
    }
}

/// Recovers the engine, puts it in the slot (from then on `/readyz` is 200), takes snapshots
/// on schedule, and at shutdown — after the HTTP server has drained — syncs and closes the log.
struct EngineService: Service, CustomStringConvertible {
    let source: EngineSource
    let slot: EngineSlot
    let configuration: ServerConfiguration
    let idempotency: IdempotencyStore
    /// Tells the recovered log where its followers (the outbox, the webhooks) stand, before
    /// anything can take a snapshot and compact.
    let registerFollowers: @Sendable (any DurableRecordSource) async -> Void
    /// On a node of a cluster, before it leads: takes up the side effects' progress the last
    /// leader kept in the database, and tells the log where those followers stand.
    var adoptShared: @Sendable (any DurableRecordSource) async throws -> Void = { _ in }
    let metrics: ServerMetrics
    let logger: Logger
    /// The name ServiceLifecycle logs the service by, instead of a dump of its fields (which
    /// hold the server's secret, settings and templates).
    var description: String { "EngineService" }

    /// Puts `engine` in the slot, making spans first when traces are exported.
    private func install(_ engine: MusterEngine) {
        if configuration.tracing { engine.traces.enable() }
        slot.install(engine)
    }

    func run() async throws {
        switch source {
        case .ready(let engine):
            install(engine)
            try? await gracefulShutdown()
        case .eventually(let make):
            install(try await make())
            try? await gracefulShutdown()
        case .cluster(let cluster, let secret, let hasher, let clock):
            try await runCluster(cluster, secret: secret, hasher: hasher, clock: clock)
        case .durable(let secret, let hasher, let clock):
            let options = storeOptions
            let durable = try await DurableEngine.open(options, policy: configuration.policy, secret: secret, clock: clock, hasher: hasher)
            report(durable.report)
            if let source = durable.engine.durableRecords { await registerFollowers(source) }
            for warning in try await idempotency.recover(from: durable, now: clock.now()) { logger.warning("\(warning)") }
            // Decoding the snapshot and the log freed far more than the state keeps.
            muster_release_free_memory()
            install(durable.engine)
            await cancelWhenGracefulShutdown {
                await withDiscardingTaskGroup { group in
                    group.addTask { await durable.runSnapshotSchedule() }
                    group.addTask {
                        // An idle idempotency store moves its watermark along with the log.
                        while !Task.isCancelled {
                            try? await Task.sleep(for: .seconds(10))
                            await idempotency.advanceWatermark(now: clock.now())
                        }
                    }
                }
            }
            durable.close()
            logger.info("log synced and closed")
        }
    }

    /// The data folder's options, as configured.
    private var storeOptions: StoreOptions {
        var options = StoreOptions(dataDirectory: configuration.dataDirectory)
        options.fsyncPolicy = configuration.fsyncPolicy
        options.segmentSize = configuration.segmentSize
        options.snapshotEveryRecords = configuration.snapshotEveryRecords
        options.snapshotInterval = configuration.snapshotInterval
        options.truncateCorruption = configuration.truncateCorruption
        options.batchObserver = { [metrics] in metrics.logBatch($0) }
        return options
    }

    private func report(_ report: RecoveryReport) {
        metrics.recoverySeconds.record(report.seconds)
        logger.info(
            "recovered",
            metadata: [
                "seconds": "\(report.seconds)", "records": "\(report.records)", "orgs": "\(report.orgs)",
                "snapshot": "\(report.snapshotPath ?? "none")", "truncations": "\(report.truncations.count)",
            ]
        )
        for truncation in report.truncations {
            logger.warning("the log's torn tail was cut", metadata: ["truncation": "\(truncation)"])
        }
    }

    /// A node of a cluster: recovers from the database, then follows or leads until shutdown
    /// (a clean stop gives the lease up) or until deposed, which it reports to the server
    /// (``ClusterRuntime/deposed``) so that it drains and starts again as a follower.
    private func runCluster(_ cluster: ClusterRuntime, secret: [UInt8], hasher: PasswordHasher, clock: any WallClock) async throws {
        let node = cluster.node
        let (durable, log) = try await node.recover(
            options: storeOptions,
            policy: configuration.policy,
            secret: secret,
            clock: clock,
            hasher: hasher,
            batchObserver: { [metrics] in metrics.logBatch($0) }
        )
        report(durable.report)
        cluster.install(log)
        if let source = durable.engine.durableRecords { await registerFollowers(source) }
        await idempotency.noteReplicated(durable.recoveredMarks.map(\.mark), now: clock.now())
        slot.setLeadership(EngineSlot.Leadership(isLeading: { node.isLeader }, waitUntilLeading: { await node.waitUntilLeading() }))
        muster_release_free_memory()
        install(durable.engine)
        defer { durable.close() }
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask {
                        try await node.run(
                            engine: durable,
                            log: log,
                            replicatedMarks: { [idempotency] marks in await idempotency.noteReplicated(marks, now: clock.now()) },
                            beforeLeading: { [idempotency, adoptShared] in
                                try await idempotency.adoptSharedAnswers(now: clock.now())
                                try await adoptShared(log)
                            }
                        )
                    }
                    group.addTask {
                        guard await node.waitUntilLeading() else { return }
                        await durable.runSnapshotSchedule()
                    }
                }
            }
        } catch let deposed as ClusterNode.Deposed {
            // Not thrown: that would cancel the HTTP server with requests in flight. The server
            // shuts down gracefully instead — its requests are refused with `503 not_leader`
            // while it drains, this service stopping last — and starts again as a follower.
            cluster.reportDeposed(deposed.reason)
            try? await gracefulShutdown()
            return
        }
        await node.release()
        logger.info("left the cluster", metadata: ["node": "\(node.settings.nodeName)"])
    }
}

/// Moves pending invitations past `expires_at` to `expired` every `sweepInterval`, removes
/// expired sessions and sign-in links, and drops idempotency answers past their retention.
struct SweepService: Service, CustomStringConvertible {
    let slot: EngineSlot
    let idempotency: IdempotencyStore
    let interval: Span
    let clock: any WallClock
    let metrics: ServerMetrics
    let logger: Logger
    /// The name ServiceLifecycle logs the service by, instead of a dump of its fields (which
    /// hold the server's secret, settings and templates).
    var description: String { "SweepService" }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(interval.milliseconds))
                if Task.isCancelled { break }
                await sweepOnce()
            }
        }
    }

    /// One sweep; returns how many invitations expired.
    @discardableResult
    func sweepOnce() async -> Int {
        await idempotency.prune(now: clock.now())
        // On a node of a cluster, the leader alone sweeps: the others' changes would be refused.
        guard slot.leads, let engine = try? slot.engine() else { return 0 }
        do {
            let expired = try await engine.expireInvitations()
            if expired > 0 {
                metrics.invitationsExpired.increment(by: expired)
                logger.info("expired invitations", metadata: ["count": "\(expired)"])
            }
            let removed = try await engine.removeExpiredSignIns()
            if removed > 0 { logger.info("removed expired sessions and sign-in links", metadata: ["count": "\(removed)"]) }
            return expired
        } catch {
            logger.error("the expiry sweep failed", metadata: ["error": "\(error)"])
            return 0
        }
    }
}
