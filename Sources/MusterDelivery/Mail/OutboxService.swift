import CoreMetrics
import Logging
import MusterDomain
import MusterEngine
import ServiceLifecycle
import Tracing

/// Follows the durable log and delivers the emails its records cause, in the background until
/// shutdown: within a moment of a record becoming durable, and again at each retry's due time.
package struct OutboxService: Service, CustomStringConvertible {
    package let outbox: MailOutbox
    package let transport: any MailTransport
    package let slot: EngineSlot
    package let renderer: MailRenderer
    package let clock: any WallClock
    package let logger: Logger
    /// The name ServiceLifecycle logs the service by, instead of a dump of its fields (which
    /// hold the server's secret, settings and templates).
    package var description: String { "OutboxService" }
    package let metrics: DeliveryMetrics
    /// The longest a retry waits beyond its due time when nothing new arrives.
    var pollInterval: Duration = .milliseconds(250)

    /// Creates one from its parts.
    package init(
        outbox: MailOutbox,
        transport: any MailTransport,
        slot: EngineSlot,
        renderer: MailRenderer,
        clock: any WallClock,
        logger: Logger,
        metrics: DeliveryMetrics,
        pollInterval: Duration = .milliseconds(250)
    ) {
        self.outbox = outbox
        self.transport = transport
        self.slot = slot
        self.renderer = renderer
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.pollInterval = pollInterval
    }
    /// Emails rendered ahead of delivery at most: a backlog is read from the log as it drains.
    static let maximumAhead = 10_000
    /// Records read from the log at a time.
    static let readBatch = 1024
    /// How far past the in-order reading the reading ahead goes at most, in records: it keeps
    /// a little for each invitation it passes, and must not hold a whole backlog's worth.
    static let maximumReadAhead: LogPosition = 250_000

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await deliverUntilCancelled()
        }
    }

    /// Reads the durable records after the outbox's read position and queues their emails,
    /// while fewer than ``maximumAhead`` wait; then reads on past them for urgent emails alone.
    package func follow(_ engine: MusterEngine) async {
        await followInOrder(engine)
        await followAhead(engine)
    }

    /// Reads the log in order, every email of every record.
    private func followInOrder(_ engine: MusterEngine) async {
        guard let source = engine.durableRecords else { return }
        while !Task.isCancelled, await outbox.pendingCount < Self.maximumAhead {
            do {
                let records = try source.durableRecords(after: await outbox.readThrough, limit: Self.readBatch)
                guard let last = records.last else { return }
                let skipping = await outbox.expeditedIDs()
                var messages = [MailMessage]()
                for record in records {
                    engine.traces.bind(record.position, to: record.record)
                    messages += try await renderer.messages(for: record, engine: engine, skipping: skipping).messages
                }
                await outbox.enqueue(messages, through: last.position)
            } catch {
                let oldest = source.oldestRetainedPosition
                let readThrough = await outbox.readThrough
                guard oldest > readThrough + 1 else {
                    logger.error("the outbox could not read the log", metadata: ["error": "\(error)"])
                    return
                }
                // The records after the cursor were compacted before this outbox ran (a data
                // folder from before the outbox kept a cursor over the log): their emails cannot
                // be made again. Say so and go on from the oldest record the log holds.
                logger.warning(
                    "the log no longer holds the records after the outbox's cursor; their emails are not sent",
                    metadata: ["cursor": "\(readThrough)", "oldest": "\(oldest)"]
                )
                await outbox.skip(through: oldest - 1)
                guard await outbox.readThrough > readThrough else { return }
            }
        }
    }

    /// Reads the log past the in-order window for the emails a person waits for, while a
    /// backlog of invitations keeps the in-order reading from reaching them.
    private func followAhead(_ engine: MusterEngine) async {
        guard let source = engine.durableRecords else { return }
        while !Task.isCancelled, await outbox.urgentPendingCount < Self.maximumAhead {
            let from = await outbox.aheadFrom
            guard source.durablePosition > from, from - (await outbox.readThrough) < Self.maximumReadAhead else { return }
            do {
                let records = try source.durableRecords(after: from, limit: Self.readBatch)
                guard let last = records.last else { return }
                var messages = [MailMessage]()
                var passing = [(to: String, position: LogPosition)]()
                for record in records {
                    engine.traces.bind(record.position, to: record.record)
                    let rendered = try await renderer.messages(for: record, engine: engine, lanes: [.urgent])
                    messages += rendered.messages
                    passing += rendered.passed
                }
                await outbox.enqueueAhead(messages, through: last.position, passing: passing)
            } catch {
                // The in-order reading meets the same records and says what is wrong.
                return
            }
        }
    }

    /// One pass: reads what became durable, tries every email that is due now, in batches, and
    /// moves the cursor. Returns how many were delivered.
    @discardableResult
    package func deliverDue() async -> Int {
        let engine = slot.current
        if let engine { await follow(engine) }
        var delivered = 0
        while !Task.isCancelled {
            let due = await outbox.takeDue(at: clock.now(), limit: 256)
            if due.isEmpty { break }
            let failures = await deliver(due, traces: engine?.traces)
            let succeeded = due.filter { failures[$0.id] == nil }.map(\.id)
            await outbox.markDelivered(succeeded)
            // The cursor moves with every batch, so a long backlog is not read again after a
            // restart; then the log is read further as the queue drains.
            await advanceCursor(engine)
            if let engine { await follow(engine) }
            metrics.mailDelivered.increment(by: succeeded.count)
            let now = clock.now()
            for message in due where failures[message.id] == nil {
                metrics.mailLag.recordMilliseconds(max(0, now.millisecondsSinceEpoch - message.queuedAt))
            }
            delivered += succeeded.count
            for message in due {
                guard let error = failures[message.id] else { continue }
                // The error names the transport's failure; the message and its link are not logged.
                logger.warning(
                    "email delivery failed; will retry",
                    metadata: ["mail.id": "\(message.id)", "mail.kind": "\(message.kind)", "error": "\(error)"]
                )
                metrics.mailFailed.increment()
                let permanent = (error as? SMTPError)?.isPermanent ?? false
                if await outbox.markFailed(message.id, error: "\(error)", at: clock.now(), permanent: permanent) {
                    metrics.mailAbandoned.increment()
                    logger.error("email given up", metadata: ["mail.id": "\(message.id)", "error": "\(error)"])
                } else {
                    metrics.mailRetries.increment()
                }
            }
        }
        await advanceCursor(engine)
        return delivered
    }

    /// Hands a batch to the transport; when tracing is on, inside a span of its own linked to
    /// the requests whose records caused the emails.
    private func deliver(_ due: [MailMessage], traces: RequestTraces?) async -> [String: any Error] {
        guard let traces, traces.isEnabled else { return await transport.deliver(batch: due) }
        return await withSpan("muster.email.deliver", context: .topLevel, ofKind: .producer) { span in
            span.attributes["muster.email.count"] = due.count
            for position in Set(due.map(\.position)).sorted() {
                if let request = traces.context(of: position) {
                    span.addLink(SpanLink(context: request, attributes: ["muster.log.position": .int64(Int64(position))]))
                }
            }
            let failures = await transport.deliver(batch: due)
            if !failures.isEmpty {
                span.attributes["muster.email.failed"] = failures.count
                span.setStatus(SpanStatus(code: .error, message: "\(failures.count) of \(due.count) emails failed"))
            }
            return failures
        }
    }

    /// Journals how far delivery has got, lets the log drop what is consumed, and reports the lag.
    private func advanceCursor(_ engine: MusterEngine?) async {
        let cursor = await outbox.advanceCursor()
        let lanes = await outbox.pendingByLane()
        metrics.outboxPendingUrgent.record(Double(lanes.urgent))
        metrics.outboxPendingBulk.record(Double(lanes.bulk))
        let oldest = await outbox.oldestPendingQueuedAt()
        metrics.outboxOldestPending.record(oldest.map { Double(max(0, clock.now().millisecondsSinceEpoch - $0)) / 1000 } ?? 0)
        guard let source = engine?.durableRecords else { return }
        source.follower("outbox", consumedThrough: cursor)
        metrics.outboxLag.record(Double(source.durablePosition > cursor ? source.durablePosition - cursor : 0))
    }

    /// Removes delivered emails older than the transport's retention, at most once an hour.
    package func removeExpired() async -> Int {
        let oldest = await outbox.oldestPendingQueuedAt().map(Timestamp.init(millisecondsSinceEpoch:))
        let removed = await transport.removeExpired(now: clock.now(), oldestPending: oldest)
        if removed > 0 { logger.info("removed delivered emails past their retention", metadata: ["count": "\(removed)"]) }
        return removed
    }

    private func deliverUntilCancelled() async {
        guard let engine = await slot.leadingEngine(), let source = engine.durableRecords else { return }
        // On a node of a cluster that has just started leading, the last leader's cursor.
        await outbox.reloadCursor()
        var nextRemoval: Int64 = 0
        while !Task.isCancelled {
            let seen = source.durableChanges.version(of: 0)
            await deliverDue()
            let now = clock.now().millisecondsSinceEpoch
            if now >= nextRemoval {
                // Hourly; sooner while there is more to remove than one call takes.
                let removed = await removeExpired()
                nextRemoval = now + (removed >= FileMailTransport.removalsPerCall ? 60_000 : 3_600_000)
            }
            // Wakes as soon as more records are durable, or for the next retry.
            _ = await source.durableChanges.wait(for: 0, beyond: seen, timeout: pollInterval)
        }
    }
}
