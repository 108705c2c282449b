import AsyncHTTPClient
import CoreMetrics
import Dispatch
import Foundation
import Logging
import MusterDomain
import MusterEngine
import MusterJSON
import MusterSecurity
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Tracing

/// Delivers each org's events to its webhook subscriptions in the background: one worker per
/// subscription follows the durable log from the subscription's position, POSTs each of its
/// org's events signed, in order, and retries a failure with exponential backoff until the
/// retry limit pauses the subscription. Like the mail outbox, it sees only durable records.
package struct WebhookService: Service, CustomStringConvertible {
    package let registry: WebhookRegistry
    package let slot: EngineSlot
    package let clock: any WallClock
    package let metrics: DeliveryMetrics
    package let logger: Logger
    /// The name ServiceLifecycle logs the service by, instead of a dump of its fields (which
    /// hold the server's secret, settings and templates).
    package var description: String { "WebhookService" }

    /// Where deliveries may go; every attempt resolves and checks the host again.
    package var destinations: WebhookDestinations

    /// A service delivering `registry`'s subscriptions once `slot` holds the engine.
    package init(
        registry: WebhookRegistry,
        slot: EngineSlot,
        clock: any WallClock,
        metrics: DeliveryMetrics,
        logger: Logger,
        destinations: WebhookDestinations = WebhookDestinations()
    ) {
        self.registry = registry
        self.slot = slot
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.destinations = destinations
    }

    /// The events one worker reads from the feed at a time.
    static let pageSize = 32
    /// How long a worker long-polls the feed before it looks at its subscription again.
    static let feedWait: Duration = .seconds(2)

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await superviseWorkers()
        }
    }

    /// Starts a worker for every webhook, and for each one created later.
    private func superviseWorkers() async {
        await withDiscardingTaskGroup { group in
            var started = Set<WebhookID>()
            // Recovery runs first; until then there is nothing to deliver.
            guard let engine = await slot.leadingEngine(), let source = engine.durableRecords else { return }
            while !Task.isCancelled {
                let seen = engine.webhookDirectoryChanges.version(of: 0)
                for (id, orgID) in engine.allWebhooks where started.insert(id).inserted {
                    group.addTask {
                        var connection = PinnedClient(destinations: destinations, timeout: registry.retry.requestTimeout)
                        await work(id, orgID: orgID, engine: engine, source: source, connection: &connection)
                        await connection.shutdown()
                    }
                }
                _ = await engine.webhookDirectoryChanges.wait(for: 0, beyond: seen, timeout: .seconds(3600))
            }
        }
    }

    /// Delivers one webhook's events until it is deleted or the service stops. The webhook's
    /// status is read from the org on every round, so a pause, resume or delete — an org event —
    /// takes effect at once.
    ///
    /// A webhook follows the durable log from its progress's log position, reading its org's
    /// records only. One without a log position yet (a new subscription, which may start in
    /// the org's history) first catches up from the org's trail to a handover point.
    private func work(
        _ id: WebhookID,
        orgID: OrganisationID,
        engine: MusterEngine,
        source: any DurableRecordSource,
        connection: inout PinnedClient
    ) async {
        let followerName = "webhook:\(id)"
        while !Task.isCancelled {
            // Taken before the fenced read: an event applied after it wakes the wait below, and
            // one applied before it is durable, hence in the log, once the read returns.
            let seen = engine.changes.version(of: orgID)
            // Also before it: a handover point for a webhook not yet following the log. Every
            // record up to it was applied before the org's version below was read.
            let handover = source.durablePosition
            let webhook: Webhook
            let orgVersion: UInt64
            do {
                guard let found = try await engine.webhookForDelivery(id, org: orgID) else {
                    await registry.forget(id.description)
                    source.follower(followerName, consumedThrough: .max)
                    return
                }
                (webhook, orgVersion) = found
            } catch {
                logger.warning("webhook state could not be read", metadata: ["webhook.id": "\(id)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard webhook.isActive else {
                // A paused webhook holds no log: the log is not kept for ever for a receiver
                // that may never come back. Resumed, it catches up from the org's trail if the
                // records it needs are gone.
                source.follower(followerName, consumedThrough: .max)
                _ = await engine.changes.wait(for: orgID, beyond: seen, timeout: .seconds(3600))
                continue
            }
            let progress = await registry.progress(of: webhook, orgID: orgID)
            if progress.cursor > orgVersion || (progress.logPosition ?? 0) > handover {
                // Delivery stood past the org's history or the log: the data folder was
                // restored to an earlier point. Carry on from the history as it now is.
                logger.warning(
                    "webhook progress stood past the org's history; it carries on from where the history now ends",
                    metadata: ["webhook.id": "\(id)", "cursor": "\(progress.cursor)", "org.version": "\(orgVersion)"]
                )
                _ = await registry.rewind(progress, orgVersion: orgVersion, logEnd: handover, now: clock.now().millisecondsSinceEpoch)
                continue
            }
            if progress.attempts >= registry.retry.maximumAttempts {
                await pause(
                    webhook,
                    orgID: orgID,
                    engine: engine,
                    progress: progress,
                    reason: "an event failed \(progress.attempts) times; last: \(progress.lastError ?? "no answer")"
                )
                continue
            }
            let wait = progress.nextAttemptAt - clock.now().millisecondsSinceEpoch
            if wait > 0 {
                _ = await engine.changes.wait(for: orgID, beyond: seen, timeout: .milliseconds(wait))
                continue
            }
            let caughtUp: Bool
            if let logPosition = progress.logPosition {
                caughtUp = await followLog(
                    webhook,
                    orgID: orgID,
                    from: logPosition,
                    progress: progress,
                    engine: engine,
                    source: source,
                    connection: &connection
                )
            } else {
                caughtUp = await catchUpFromTrail(
                    webhook,
                    orgID: orgID,
                    progress: progress,
                    handover: (handover, orgVersion),
                    engine: engine,
                    source: source,
                    connection: &connection
                )
            }
            if let position = await registry.journaledLogPosition(id.description) {
                source.follower(followerName, consumedThrough: position)
            }
            if caughtUp {
                _ = await engine.changes.wait(for: orgID, beyond: seen, timeout: Self.feedWait)
            }
        }
    }

    /// Delivers the org's events in the durable log after `logPosition`, one page at a time.
    /// Returns whether the log holds nothing more for the webhook now.
    private func followLog(
        _ webhook: Webhook,
        orgID: OrganisationID,
        from logPosition: LogPosition,
        progress: WebhookProgress,
        engine: MusterEngine,
        source: any DurableRecordSource,
        connection: inout PinnedClient
    ) async -> Bool {
        let read: (records: [DurableRecord], examinedThrough: LogPosition)
        let pending: [(position: LogPosition, record: OrgEventRecord)]
        do {
            read = try source.durableRecords(of: orgID, after: logPosition, limit: Self.pageSize)
            pending = read.records.flatMap { durable -> [(position: LogPosition, record: OrgEventRecord)] in
                guard case .org(_, let events) = durable.record else { return [] }
                return events.filter { $0.sequence > progress.cursor && webhook.delivers($0.event) }.map {
                    (durable.position, $0)
                }
            }
        } catch {
            // The log no longer reaches back so far (compacted while the webhook was paused), or
            // cannot be read: the org's trail holds every event, so catch up from there.
            logger.warning(
                "webhook could not read the log; catching up from the org's trail",
                metadata: ["webhook.id": "\(webhook.id)", "error": "\(error)"]
            )
            await registry.forgetLogPosition(progress)
            return false
        }
        guard !pending.isEmpty else {
            let lastSequence = read.records.last.flatMap { durable -> UInt64? in
                guard case .org(_, let events) = durable.record else { return nil }
                return events.last?.sequence
            }
            await registry.advance(
                progress,
                cursor: max(progress.cursor, lastSequence ?? 0),
                logPosition: read.examinedThrough,
                now: clock.now().millisecondsSinceEpoch
            )
            return read.examinedThrough >= source.durablePosition
        }
        let events: [FeedEvent]
        do {
            events = try await engine.feedEventsForDelivery(org: orgID, records: pending.map(\.record))
        } catch {
            logger.warning("webhook events could not be read", metadata: ["webhook.id": "\(webhook.id)", "error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            return false
        }
        let positioned = zip(events, pending).map { (event: $0, logPosition: Optional($1.position - 1)) }
        await deliver(positioned, to: webhook, orgID: orgID, progress: progress, engine: engine, connection: &connection)
        return false
    }

    /// Delivers the org's events after the cursor from the org's trail, until the cursor
    /// reaches the org's version at a handover position of the log taken just before; from
    /// there on the webhook follows the log. Every event after that version is in a record
    /// after the handover position, because the records up to it were applied before the
    /// version was read. Returns whether the webhook has nothing more to deliver now.
    private func catchUpFromTrail(
        _ webhook: Webhook,
        orgID: OrganisationID,
        progress: WebhookProgress,
        handover: (position: LogPosition, orgVersion: UInt64),
        engine: MusterEngine,
        source: any DurableRecordSource,
        connection: inout PinnedClient
    ) async -> Bool {
        // The log keeps what the handover needs while the history is delivered.
        source.follower("webhook:\(webhook.id)", consumedThrough: handover.position)
        if progress.cursor >= handover.orgVersion {
            await registry.advance(progress, cursor: progress.cursor, logPosition: handover.position, now: clock.now().millisecondsSinceEpoch)
            return false
        }
        let page: FeedPage
        do {
            page = try await engine.eventsForDelivery(org: orgID, after: progress.cursor, for: webhook, limit: Self.pageSize)
        } catch {
            logger.warning("webhook history could not be read", metadata: ["webhook.id": "\(webhook.id)", "error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            return false
        }
        guard !page.events.isEmpty else {
            await registry.skip(progress, to: page.cursor)
            return false
        }
        await deliver(page.events.map { ($0, nil) }, to: webhook, orgID: orgID, progress: progress, engine: engine, connection: &connection)
        return false
    }

    /// Sends `events` in order, each journaled before the next; stops at the first failure,
    /// which is retried after its backoff (pausing the webhook at the retry limit).
    private func deliver(
        _ events: [(event: FeedEvent, logPosition: LogPosition?)],
        to webhook: Webhook,
        orgID: OrganisationID,
        progress: WebhookProgress,
        engine: MusterEngine,
        connection: inout PinnedClient
    ) async {
        var progress = progress
        let secrets = engine.webhookSecrets(webhook)
        var orgVersion = engine.changes.version(of: orgID)
        for (event, logPosition) in events {
            // A pause or delete between two sends stops the page at once.
            let latest = engine.changes.version(of: orgID)
            if latest != orgVersion {
                orgVersion = latest
                // Any change to the webhook — paused, moved, re-typed, its secret rotated — ends the
                // page; the next round reads it afresh.
                guard let found = try? await engine.webhookForDelivery(webhook.id, org: orgID), found.webhook == webhook else { return }
            }
            let attempt = progress.attempts + 1
            let delivery: WebhookDelivery
            if engine.traces.isEnabled {
                // A trace of its own, linked to the request that made the event's record.
                delivery = await withSpan("muster.webhook.attempt", context: .topLevel, ofKind: .client) { span in
                    span.attributes["muster.webhook.id"] = webhook.id.description
                    span.attributes["muster.event.id"] = FeedEvent.id(orgID: orgID, sequence: event.sequence)
                    span.attributes["muster.webhook.attempt"] = attempt
                    if let request = engine.traces.context(of: orgID, sequence: event.sequence) {
                        span.addLink(SpanLink(context: request, attributes: [:]))
                    }
                    let delivery = await send(event, orgID: orgID, to: webhook, secrets: secrets, attempt: attempt, connection: &connection)
                    if let status = delivery.responseStatus { span.attributes["http.response.status_code"] = status }
                    if delivery.outcome != .delivered { span.setStatus(SpanStatus(code: .error, message: delivery.error)) }
                    return delivery
                }
            } else {
                delivery = await send(event, orgID: orgID, to: webhook, secrets: secrets, attempt: attempt, connection: &connection)
            }
            do {
                guard let next = try await registry.record(progress, delivery, logPosition: logPosition) else { return }
                count(delivery, event: event, webhook: webhook)
                progress = next
                guard delivery.outcome == .delivered else {
                    if next.attempts >= registry.retry.maximumAttempts {
                        let reason = "event \(delivery.eventID) failed \(next.attempts) times; last: \(delivery.error ?? "no answer")"
                        await pause(webhook, orgID: orgID, engine: engine, progress: next, reason: reason)
                    }
                    return
                }
            } catch {
                // The journal refused: leave the cursor; the event goes out again later.
                logger.error("webhook delivery state could not be saved", metadata: ["webhook.id": "\(webhook.id)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                return
            }
        }
    }

    /// Pauses a webhook whose retries are spent, as an org event by Muster itself, then starts
    /// its attempt count afresh for when it is resumed.
    private func pause(_ webhook: Webhook, orgID: OrganisationID, engine: MusterEngine, progress: WebhookProgress, reason: String) async {
        do {
            // An error's text may span lines; a reason is one line.
            let line = String(String.UnicodeScalarView(reason.unicodeScalars.map { $0.breaksLines ? " " : $0 }).prefix(500))
            try await engine.pauseWebhook(webhook.id, org: orgID, cause: .deliveryFailing, reason: line, by: .system)
            try await registry.resetAttempts(progress)
            metrics.webhookPaused.increment()
            logger.error("webhook paused after repeated failures", metadata: ["webhook.id": "\(webhook.id)", "reason": "\(reason)"])
        } catch {
            logger.error("webhook could not be paused", metadata: ["webhook.id": "\(webhook.id)", "error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// POSTs one event, signed, and says how it went.
    private func send(
        _ event: FeedEvent,
        orgID: OrganisationID,
        to webhook: Webhook,
        secrets: [String],
        attempt: Int,
        connection: inout PinnedClient
    ) async -> WebhookDelivery {
        var json = JSONWriter()
        json.feedEvent(event, orgID: orgID)
        let body = json.bytes
        let now = clock.now()
        let eventID = FeedEvent.id(orgID: orgID, sequence: event.sequence)
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Muster-Webhooks/1")
        request.headers.add(name: "Muster-Event-Id", value: eventID)
        request.headers.add(name: "Muster-Event-Type", value: event.kind.name)
        request.headers.add(name: "Muster-Webhook-Id", value: webhook.id.description)
        request.headers.add(name: "Muster-Delivery-Attempt", value: String(attempt))
        request.headers.add(
            name: WebhookSignature.headerName,
            value: WebhookSignature.header(body: body, secrets: secrets, timestamp: now.millisecondsSinceEpoch / 1000)
        )
        request.body = .bytes(ByteBuffer(bytes: body))
        let started = DispatchTime.now().uptimeNanoseconds
        var delivery = WebhookDelivery(
            eventID: eventID,
            sequence: event.sequence,
            eventType: event.kind.name,
            outcome: .failed,
            attempt: 0,
            at: now.millisecondsSinceEpoch,
            responseStatus: nil,
            error: nil,
            durationMilliseconds: 0
        )
        do {
            let client = try await connection.client(for: webhook.url)
            let response = try await client.execute(request, timeout: .milliseconds(registry.retry.requestTimeout.milliseconds))
            // Read (and drop) the answer so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            delivery.responseStatus = Int(response.status.code)
            if (200..<300).contains(response.status.code) {
                delivery.outcome = .delivered
            } else {
                delivery.error = "the receiver answered \(response.status.code)"
            }
        } catch {
            delivery.error = "\(error)"
        }
        delivery.durationMilliseconds = Int64((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
        return delivery
    }

    private func count(_ delivery: WebhookDelivery, event: FeedEvent, webhook: Webhook) {
        if delivery.attempt > 1 { metrics.webhookRetries.increment() }
        switch delivery.outcome {
        case .delivered:
            metrics.webhookDelivered.increment()
            metrics.webhookLag.recordMilliseconds(max(0, delivery.at - event.at.millisecondsSinceEpoch))
        case .failed:
            metrics.webhookFailed.increment()
            logger.warning(
                "webhook delivery failed",
                metadata: [
                    "webhook.id": "\(webhook.id)", "event.id": "\(delivery.eventID)", "attempt": "\(delivery.attempt)",
                    "error": "\(delivery.error ?? "")",
                ]
            )
        }
    }
}

/// One worker's HTTP client, connecting only to the address its host was last checked at.
///
/// The host is resolved and checked before every attempt; the client is built with that address
/// as its DNS override, so the connection goes where the check looked (a name that changes its
/// answer between the check and the connect gains nothing). TLS still verifies the certificate
/// against the name. A new address means a new client; an unchanged one keeps its connections.
private struct PinnedClient {
    package let destinations: WebhookDestinations
    package let timeout: MusterDomain.Span
    private var pinned: (host: String, address: NetworkAddress, client: HTTPClient)?

    package init(destinations: WebhookDestinations, timeout: MusterDomain.Span) {
        self.destinations = destinations
        self.timeout = timeout
    }

    package mutating func client(for url: String) async throws -> HTTPClient {
        guard let host = URLComponents(string: url)?.host else { throw WebhookDestinationError("\(url) has no host") }
        let address = try await destinations.address(for: host)
        if let pinned, pinned.host == host, pinned.address == address { return pinned.client }
        await shutdown()
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(timeout.milliseconds), read: .milliseconds(timeout.milliseconds))
        )
        if NetworkAddress(numericHost: host) == nil {
            configuration.dnsOverride = [host: address.description]
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        pinned = (host, address, client)
        return client
    }

    package mutating func shutdown() async {
        if let client = pinned?.client { try? await client.shutdown() }
        pinned = nil
    }
}
