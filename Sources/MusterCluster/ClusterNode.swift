import CoreMetrics
import Logging
import Metrics
import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity
import MusterStorage
import PostgresNIO
import Synchronization

/// One node of a cluster: connects to PostgreSQL, recovers the engine from the newest snapshot
/// and the log after it, then follows the log or leads, as the lease says.
///
/// A thin driver of ``LeaseMachine``: it ticks the machine, does what the machine returns
/// (take or renew the lease, promote, step down) and feeds the answers back. A follower tails
/// the log (woken by `NOTIFY`, and every 100 ms) and applies each record through the same
/// `apply` as live changes. A deposed leader's memory may hold changes it never wrote, so
/// ``run(engine:replicatedMarks:)`` throws ``Deposed`` and the server starts again, as a
/// follower, from the log.
package final class ClusterNode: Sendable {
    package let settings: ClusterSettings
    package let store: ClusterStore
    private let logger: Logger
    private let machine: Mutex<LeaseMachine>
    private let view: Mutex<View>
    /// Bumped on every change of role or leader, for the services waiting to lead and the
    /// reads waiting for a renewal.
    private let changes = ChangeSignal<Int>()
    private let readIndex = ReadIndex()
    /// Serialises applying the log: the follower's tail and a promotion's catch-up never run
    /// at once.
    private let applying = AsyncLock()
    /// Who this process is in the lease row: the node's name and a number of this process's
    /// own, so that a restarted node (or a second one given the same name) never mistakes
    /// another process's lease for its own.
    package let holderID: String
    private let metrics: Gauges

    /// What the server reads on the request path, without awaiting anything.
    package struct View: Sendable, Equatable {
        package var role: LeaseMachine.Role = .follower
        /// Where the leader takes requests (nil while nobody leads).
        package var leaderName: String?
        package var leaderURL: String?
        package var epoch: Int64 = 0
    }

    private struct Gauges: Sendable {
        let isLeader: Gauge
        let epoch: Gauge
        let applied: Gauge
        let lag: Gauge

        init(factory: any MetricsFactory) {
            isLeader = Gauge(label: "muster_cluster_is_leader", factory: factory)
            epoch = Gauge(label: "muster_cluster_epoch", factory: factory)
            applied = Gauge(label: "muster_cluster_applied_position", factory: factory)
            lag = Gauge(label: "muster_cluster_lag_records", factory: factory)
        }
    }

    /// Thrown by ``run(engine:replicatedMarks:)`` when this node stops leading.
    package struct Deposed: Error, CustomStringConvertible {
        package var reason: String
        package var description: String { "this node no longer leads (\(reason)); it starts again as a follower" }
    }

    private init(settings: ClusterSettings, store: ClusterStore, logger: Logger, metrics: any MetricsFactory) {
        self.metrics = Gauges(factory: metrics)
        self.holderID = settings.nodeName + "#" + String(UInt64.random(in: 0 ... .max), radix: 36)
        self.settings = settings
        self.store = store
        self.logger = logger
        self.machine = Mutex(LeaseMachine(leaseMilliseconds: settings.leaseMilliseconds))
        self.view = Mutex(View())
    }

    /// Connects to PostgreSQL with `client` (which the caller runs) and migrates the schema.
    package static func connect(
        settings: ClusterSettings,
        client: PostgresClient,
        logger: Logger,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) async throws -> ClusterNode {
        let store = ClusterStore(client: client, logger: logger)
        var attempt = 0
        while true {
            do {
                try await store.migrate()
                break
            } catch let error as ClusterSetupError {
                throw error
            } catch let error as PostgresTransactionError where error.closureError is PSQLError {
                throw ClusterSetupError("PostgreSQL refused the schema: \(String(reflecting: error.closureError!))")
            } catch {
                attempt += 1
                guard attempt < 30 else {
                    throw ClusterSetupError("PostgreSQL at \(settings.postgres) cannot be reached: \(String(reflecting: error))")
                }
                logger.warning("PostgreSQL cannot be reached yet; trying again", metadata: ["address": "\(settings.postgres)", "error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
        return ClusterNode(settings: settings, store: store, logger: logger, metrics: metrics)
    }

    /// A PostgreSQL client for `settings`; run it (`client.run()`) for as long as it is used.
    package static func makeClient(settings: ClusterSettings, logger: Logger) -> PostgresClient {
        PostgresClient(configuration: settings.postgres.clientConfiguration, backgroundLogger: logger.forPostgres)
    }

    // MARK: What the server reads

    /// The node's role and the leader, as of now.
    package var current: View { view.withLock { $0 } }

    /// Whether this node leads now.
    package var isLeader: Bool {
        if case .leader = current.role { return true }
        return false
    }

    /// The epoch this node holds the lease under, while it does (from winning the lease,
    /// before it has caught up and leads): what its side effects' writes are fenced with.
    package var leaseEpoch: Int64? {
        if case .leader(let epoch) = machine.withLock({ $0.role }) { return epoch }
        return nil
    }

    /// A number that moves whenever the role, the leader or the lease's trust changes.
    package var changeVersion: UInt64 { changes.version(of: 0) }

    /// Returns once ``changeVersion`` has moved past `version` (or the task is cancelled).
    package func waitForChange(since version: UInt64) async {
        while !Task.isCancelled, changes.version(of: 0) <= version {
            _ = await changes.wait(for: 0, beyond: version, timeout: .seconds(1))
        }
    }

    /// Returns once this node leads: for the services only a leader runs (the outbox, the
    /// webhooks, the sweep, snapshots). Returns `false` if the task is cancelled first.
    package func waitUntilLeading() async -> Bool {
        while !Task.isCancelled {
            let seen = changes.version(of: 0)
            if isLeader { return true }
            _ = await changes.wait(for: 0, beyond: seen, timeout: .seconds(1))
        }
        return false
    }

    /// The read fence of a node of a cluster: returns once this node may answer a read with
    /// everything that was acknowledged before the read arrived.
    ///
    /// A follower asks the database where the log ends (one query shared by every read that
    /// arrives while it runs) and waits until it has applied that far. A leader answers at
    /// once while its lease is trusted; past it (paused, or cut off) it waits for a renewal,
    /// and a renewal that finds another leader deposes it. When the database cannot be
    /// reached within `patience`, the node answers from memory: reads go on while writes
    /// cannot.
    package func readFence(log: PostgresLog, patience: Duration = .seconds(1)) async throws {
        let arrived = ContinuousClock.now
        switch current.role {
        case .deposed(let reason):
            throw LogError.notLeader(reason)
        case .leader:
            let deadline = arrived + patience
            while !machine.withLock({ $0.leaderMayServe(now: WriteAheadLog.monotonicMilliseconds()) }) {
                if case .deposed(let reason) = current.role { throw LogError.notLeader(reason) }
                // Another node may lead by now (this one is paused, or cut off from the
                // database): never answer from a state that may be stale.
                guard ContinuousClock.now < deadline else {
                    throw LogError.unavailable("this node cannot confirm that it still leads")
                }
                let seen = changes.version(of: 0)
                _ = await changes.wait(for: 0, beyond: seen, timeout: .milliseconds(50))
            }
        case .follower:
            let end: LogPosition
            do {
                end = try await readIndex.logEnd(arrivedAt: arrived, patience: patience) { [store] in try await store.logEnd() }
            } catch {
                throw LogError.unavailable("this node cannot confirm that it is up to date")
            }
            let deadline = arrived + patience * 2
            while log.durablePosition < end {
                guard ContinuousClock.now < deadline else {
                    throw LogError.unavailable("this node is \(end - log.durablePosition) records behind the log")
                }
                _ = await log.durableChanges.wait(for: 0, beyond: log.durablePosition, timeout: .milliseconds(100))
            }
        }
    }

    // MARK: Recovery

    /// Builds the engine from the newest snapshot that loads and the log after it, keeping in
    /// memory the records from the outbox's cursor on (a leader's outbox starts there).
    package func recover(
        options: StoreOptions,
        policy: Policy,
        secret: [UInt8],
        clock: any WallClock,
        hasher: PasswordHasher,
        batchObserver: (@Sendable (LogBatchStatistics) -> Void)?
    ) async throws -> (engine: DurableEngine, log: PostgresLog) {
        let started = ContinuousClock.now
        var snapshot: Snapshot?
        var skipped = [String]()
        for position in try await store.snapshotPositions() {
            do {
                guard let bytes = try await store.snapshot(at: position) else { continue }
                snapshot = try SnapshotStore.decode(bytes)
                break
            } catch {
                skipped.append("snapshot \(position): \(error)")
            }
        }
        for reason in skipped { logger.warning("a snapshot in PostgreSQL did not load", metadata: ["reason": "\(reason)"]) }
        let snapshotPosition = snapshot?.position ?? 0
        let outbox = try await store.cursor("outbox")
        let logStart = try await store.logStart()
        guard snapshotPosition + 1 >= logStart else {
            throw ClusterSetupError("the log in PostgreSQL starts at \(logStart) but the newest snapshot that loads is at \(snapshotPosition)")
        }
        // Records a state holds already are skipped by the replay, so reading from before the
        // snapshot (for the outbox) is safe.
        var position = max(min(snapshotPosition, outbox), logStart - 1)
        let replay = LogReplay(onto: snapshot)
        var kept = [LogRecordAt]()
        var count = 0
        var bytes: Int64 = 0
        while true {
            let batches = try await store.batches(after: position, limit: 256)
            if batches.isEmpty { break }
            for batch in batches {
                guard batch.first == position + 1 else {
                    throw ClusterSetupError("the log in PostgreSQL has a gap: positions \(position + 1)…\(batch.first - 1) are missing")
                }
                let records = try Frame.decodeRecords(batch.frame)
                try replay.apply(records)
                kept.append(contentsOf: records)
                count += records.lazy.filter { $0.position > snapshotPosition }.count
                bytes += Int64(batch.frame.count)
                position = batch.last
            }
            if kept.count > PostgresLog.maximumKept { kept.removeFirst(kept.count - PostgresLog.maximumKept) }
        }
        let log = PostgresLog(
            store: store,
            durable: position,
            recent: kept,
            logger: logger,
            batchObserver: batchObserver,
            onFenced: { [weak self] reason in self?.depose(reason) }
        )
        let elapsed = ContinuousClock.now - started
        let report = RecoveryReport(
            snapshotPath: snapshot.map { _ in "postgresql:muster_snapshots/\(snapshotPosition)" },
            snapshotPosition: snapshotPosition,
            records: count,
            bytes: bytes,
            lastPosition: position,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        )
        let engine = try await DurableEngine(
            log: log,
            replayed: replay,
            report: report,
            options: options,
            policy: policy,
            secret: secret,
            clock: clock,
            hasher: hasher
        )
        publishMetrics(applied: position, end: position)
        return (engine, log)
    }

    // MARK: Running

    /// Follows or leads until cancelled (returns) or deposed (throws ``Deposed``).
    ///
    /// - Parameter replicatedMarks: told the request marks of the records this node applies
    ///   as a follower, so that a retry of a keyed change that reaches it once it leads is
    ///   refused rather than run twice.
    ///   - beforeLeading: run once the node has caught up and before it takes its first
    ///     request as leader (the idempotency store takes up the answers the last leader kept).
    package func run(
        engine: DurableEngine,
        log: PostgresLog,
        replicatedMarks: @escaping @Sendable ([RequestMark]) async -> Void,
        beforeLeading: @escaping @Sendable () async throws -> Void = {}
    ) async throws {
        let engine = engine.engine
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.runLease(engine: engine, log: log, replicatedMarks: replicatedMarks, beforeLeading: beforeLeading) }
            group.addTask { try await self.runTail(engine: engine, log: log, replicatedMarks: replicatedMarks) }
            group.addTask { await self.runHeartbeat(log: log) }
            // The tail ends once the node leads; the lease and the heartbeat go on. The first
            // error (deposed) cancels the rest.
            defer { group.cancelAll() }
            while try await group.next() != nil {}
        }
    }

    /// Gives the lease up at a clean stop, so another node takes over at once.
    package func release() async {
        // A node still catching up holds the lease too.
        guard let epoch = leaseEpoch else { return }
        // Stop trusting the lease first: once it is given up another node may lead at once.
        depose("stopping")
        try? await store.releaseLease(node: holderID, epoch: epoch)
    }

    private func runLease(
        engine: MusterEngine,
        log: PostgresLog,
        replicatedMarks: @escaping @Sendable ([RequestMark]) async -> Void,
        beforeLeading: @escaping @Sendable () async throws -> Void
    ) async throws {
        // A promotion runs beside this loop, so that the lease is renewed while the new leader
        // catches up: a long tail must not let the lease lapse before the node has led at all.
        try await withThrowingDiscardingTaskGroup { group in
            try await leaseLoop(
                engine: engine,
                promote: { epoch in
                    group.addTask {
                        do {
                            try await self.promote(
                                epoch: epoch,
                                engine: engine,
                                log: log,
                                replicatedMarks: replicatedMarks,
                                beforeLeading: beforeLeading
                            )
                        } catch is CancellationError {
                        } catch {
                            // Seen by the loop on its next turn, which ends the run; the lease
                            // is given up so that another node takes over at once.
                            self.depose("taking over failed: \(error)")
                            try? await self.store.releaseLease(node: self.holderID, epoch: epoch)
                        }
                    }
                }
            )
        }
    }

    private func leaseLoop(engine: MusterEngine, promote: (Int64) -> Void) async throws {
        while !Task.isCancelled {
            let now = WriteAheadLog.monotonicMilliseconds()
            let action = machine.withLock { $0.tick(now: now) }
            switch action {
            case .none:
                break
            case .acquire:
                var answer = LeaseMachine.AcquireAnswer.unreachable
                do {
                    let (store, settings, holderID) = (store, settings, holderID)
                    let limit = Duration.milliseconds(settings.leaseMilliseconds / 2)
                    if let epoch = try await withDeadline(
                        limit,
                        {
                            try await store.acquireLease(node: holderID, url: settings.advertiseURL, milliseconds: settings.leaseMilliseconds)
                        }
                    ) {
                        answer = .won(epoch: epoch)
                    } else {
                        answer = .heldElsewhere
                        let lease = try await withDeadline(limit) { try await store.lease() }
                        setLeader(name: lease.holderName, url: lease.remainingMilliseconds >= 0 ? lease.url : nil, epoch: lease.epoch)
                    }
                } catch {
                    // Unreachable: the machine tries again.
                }
                let next = machine.withLock { $0.acquireAnswered(answer, sentAt: now, now: WriteAheadLog.monotonicMilliseconds()) }
                if case .promote(let epoch) = next { promote(epoch) }
            case .renew(let epoch):
                let answer: LeaseMachine.RenewAnswer
                do {
                    let (store, settings, holderID) = (store, settings, holderID)
                    let renewed = try await withDeadline(.milliseconds(settings.leaseMilliseconds / 2)) {
                        try await store.renewLease(node: holderID, epoch: epoch, milliseconds: settings.leaseMilliseconds)
                    }
                    answer = renewed ? .renewed : .lost
                } catch {
                    answer = .unreachable
                }
                let next = machine.withLock { $0.renewAnswered(answer, sentAt: now, now: WriteAheadLog.monotonicMilliseconds()) }
                changes.bump(0)
                if case .stepDown(let reason) = next { depose(reason) }
            case .promote, .stepDown:
                break
            }
            if case .deposed(let reason) = current.role { throw Deposed(reason: reason) }
            try? await Task.sleep(for: .milliseconds(25))
        }
    }

    /// Takes over: reads the log's tail (no other node can append once the epoch moved), keeps
    /// what the outbox has not consumed, and opens the log for appends.
    private func promote(
        epoch: Int64,
        engine: MusterEngine,
        log: PostgresLog,
        replicatedMarks: @escaping @Sendable ([RequestMark]) async -> Void,
        beforeLeading: @escaping @Sendable () async throws -> Void
    ) async throws {
        let started = ContinuousClock.now
        while true {
            do {
                while try await catchUp(engine: engine, log: log, replicatedMarks: replicatedMarks) > 0 {}
                let outbox = try await store.cursor("outbox")
                if outbox < log.oldestRetainedPosition - 1 {
                    var kept = [LogRecordAt]()
                    var position = outbox
                    while position < log.durablePosition {
                        let batches = try await store.batches(after: position, limit: 256)
                        if batches.isEmpty { break }
                        for batch in batches {
                            kept.append(contentsOf: try Frame.decodeRecords(batch.frame).filter { $0.position > position })
                            position = batch.last
                        }
                    }
                    log.keep(kept)
                }
                try await beforeLeading()
                break
            } catch let error as LogError {
                throw error
            } catch let restart as Deposed {
                throw restart
            } catch {
                // Not for ever: while this runs the lease is renewed, so no other node can lead.
                guard ContinuousClock.now - started < .milliseconds(settings.leaseMilliseconds * 10) else { throw error }
                logger.warning("catching up before leading failed; trying again", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        // The lease may have been lost while catching up: then the loop is ending this run.
        // Checked and acted on under the machine's lock, which a deposition takes too, so that
        // a deposition cannot fall between them.
        let leads = machine.withLock { machine -> Bool in
            guard machine.role == .leader(epoch: epoch) else { return false }
            log.lead(epoch: epoch)
            view.withLock { view in
                view.role = .leader(epoch: epoch)
                view.leaderName = settings.nodeName
                view.leaderURL = settings.advertiseURL
                view.epoch = epoch
            }
            return true
        }
        guard leads else { throw CancellationError() }
        changes.bump(0)
        metrics.isLeader.record(1)
        metrics.epoch.record(Double(epoch))
        let elapsed = ContinuousClock.now - started
        logger.notice(
            "leading",
            metadata: [
                "epoch": "\(epoch)", "position": "\(log.durablePosition)", "catch_up_ms": "\(elapsed.components.attoseconds / 1_000_000_000_000_000)",
            ]
        )
    }

    private func runTail(engine: MusterEngine, log: PostgresLog, replicatedMarks: @escaping @Sendable ([RequestMark]) async -> Void) async throws {
        let wake = ChangeSignal<Int>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.listen(waking: wake) }
            group.addTask {
                while !Task.isCancelled {
                    if self.isLeader || self.machine.withLock({ $0.role != .follower }) { return }
                    let seen = wake.version(of: 0)
                    do {
                        if try await self.catchUp(engine: engine, log: log, replicatedMarks: replicatedMarks) > 0 { continue }
                    } catch let restart as Deposed {
                        throw restart
                    } catch {
                        self.logger.warning("reading the shared log failed", metadata: ["error": "\(error)"])
                    }
                    _ = await wake.wait(for: 0, beyond: seen, timeout: .milliseconds(100))
                }
            }
            // The listener runs until the node leads, then stops with the reader.
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Applies the next batches of the log; how many records.
    @discardableResult
    private func catchUp(
        engine: MusterEngine,
        log: PostgresLog,
        replicatedMarks: @escaping @Sendable ([RequestMark]) async -> Void
    ) async throws -> Int {
        try await applying.run { try await self.catchUpAlone(engine: engine, log: log, replicatedMarks: replicatedMarks) }
    }

    private func catchUpAlone(
        engine: MusterEngine,
        log: PostgresLog,
        replicatedMarks: @escaping @Sendable ([RequestMark]) async -> Void
    ) async throws
        -> Int
    {
        let (from, store) = (log.durablePosition, store)
        let batches = try await withDeadline(.seconds(5)) { try await store.batches(after: from, limit: 64) }
        var applied = 0
        var position = from
        for batch in batches {
            guard batch.first <= position + 1 else {
                // Compacted past this node (it was paused for long): start again from the snapshot.
                throw Deposed(reason: "the log in PostgreSQL no longer holds positions \(position + 1)…\(batch.first - 1)")
            }
            let records = try Frame.decodeRecords(batch.frame).filter { $0.position > position }
            try await engine.applyReplicated(records)
            log.applied(records)
            let marks = records.compactMap(\.mark)
            if !marks.isEmpty { await replicatedMarks(marks) }
            applied += records.count
            position = batch.last
        }
        if applied > 0 { publishMetrics(applied: position, end: nil) }
        return applied
    }

    /// Wakes the tail on each `NOTIFY muster_log`, reconnecting while the node follows.
    private func listen(waking wake: ChangeSignal<Int>) async {
        while !Task.isCancelled, !isLeader {
            do {
                try await store.client.withConnection { connection in
                    try await connection.listen(on: "muster_log") { notifications in
                        for try await _ in notifications {
                            wake.bump(0)
                            if self.isLeader { return }
                        }
                    }
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    private func runHeartbeat(log: PostgresLog) async {
        while !Task.isCancelled {
            let role = isLeader ? "leader" : "follower"
            do {
                let (store, settings, applied) = (store, settings, log.durablePosition)
                try await withDeadline(.seconds(1)) {
                    try await store.heartbeat(name: settings.nodeName, url: settings.advertiseURL, role: role, applied: applied)
                }
                if !isLeader { publishMetrics(applied: applied, end: try await withDeadline(.seconds(1)) { try await store.logEnd() }) }
            } catch {
                // The next beat tries again; the lease, not the heartbeat, decides who leads.
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    // MARK: Helpers

    /// Stops leading: appends fail from now on and ``run(engine:log:replicatedMarks:)`` throws.
    private func depose(_ reason: String) {
        machine.withLock { machine in
            _ = machine.fenced()
            view.withLock { $0.role = .deposed(reason: reason) }
        }
        changes.bump(0)
        metrics.isLeader.record(0)
        logger.error("deposed", metadata: ["reason": "\(reason)"])
    }

    private func setLeader(name: String?, url: String?, epoch: Int64) {
        let changed = view.withLock { view -> Bool in
            guard view.leaderName != name || view.leaderURL != url || view.epoch != epoch else { return false }
            view.leaderName = name
            view.leaderURL = url
            view.epoch = epoch
            return true
        }
        if changed {
            changes.bump(0)
            metrics.epoch.record(Double(epoch))
        }
    }

    private func publishMetrics(applied: LogPosition, end: LogPosition?) {
        metrics.applied.record(Double(applied))
        if let end { metrics.lag.record(Double(end > applied ? end - applied : 0)) }
    }
}
