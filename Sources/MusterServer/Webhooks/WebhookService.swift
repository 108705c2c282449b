import AsyncHTTPClient
import CoreMetrics
import Dispatch
import Foundation
import Logging
import MusterDomain
import MusterEngine
import MusterSecurity
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers each org's events to its webhook subscriptions in the background: one worker per
/// subscription follows the org's feed from the subscription's cursor, POSTs each event
/// signed, in order, and retries a failure with exponential backoff until the retry limit
/// pauses the subscription.
struct WebhookService: Service {
    let registry: WebhookRegistry
    let slot: EngineSlot
    let clock: any WallClock
    let metrics: ServerMetrics
    let logger: Logger
    /// Where deliveries may go; every attempt resolves and checks the host again.
    var destinations = WebhookDestinations()

    /// The events one worker reads from the feed at a time.
    static let pageSize = 32
    /// How long a worker long-polls the feed before it looks at its subscription again.
    static let feedWait: Duration = .seconds(2)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await superviseWorkers()
        }
    }

    /// Starts a worker for every webhook, and for each one created later.
    private func superviseWorkers() async {
        await withDiscardingTaskGroup { group in
            var started = Set<WebhookID>()
            // Recovery runs first; until then there is nothing to deliver.
            guard let engine = await slot.readyEngine() else { return }
            while !Task.isCancelled {
                let seen = engine.webhookDirectoryChanges.version(of: 0)
                for (id, orgID) in engine.allWebhooks where started.insert(id).inserted {
                    group.addTask {
                        var connection = PinnedClient(destinations: destinations, timeout: registry.retry.requestTimeout)
                        await work(id, orgID: orgID, engine: engine, connection: &connection)
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
    private func work(_ id: WebhookID, orgID: OrganisationID, engine: MusterEngine, connection: inout PinnedClient) async {
        while !Task.isCancelled {
            let seen = engine.changes.version(of: orgID)
            let webhook: Webhook
            do {
                guard let found = try await engine.webhookForDelivery(id, org: orgID) else {
                    await registry.forget(id.description)
                    return
                }
                webhook = found
            } catch {
                logger.warning("webhook state could not be read", metadata: ["webhook.id": "\(id)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard webhook.isActive else {
                _ = await engine.changes.wait(for: orgID, beyond: seen, timeout: .seconds(3600))
                continue
            }
            var progress = await registry.progress(of: webhook, orgID: orgID)
            if progress.attempts >= registry.retry.maximumAttempts {
                await pause(
                    webhook, orgID: orgID, engine: engine, progress: progress,
                    reason: "an event failed \(progress.attempts) times; last: \(progress.lastError ?? "no answer")")
                continue
            }
            let wait = progress.nextAttemptAt - clock.now().millisecondsSinceEpoch
            if wait > 0 {
                _ = await engine.changes.wait(for: orgID, beyond: seen, timeout: .milliseconds(wait))
                continue
            }
            let page: FeedPage
            do {
                page = try await engine.eventsForDelivery(org: orgID, after: progress.cursor, kinds: webhook.kinds, limit: Self.pageSize, wait: Self.feedWait)
            } catch {
                logger.warning("webhook feed read failed", metadata: ["webhook.id": "\(id)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard !page.events.isEmpty else {
                await registry.skip(progress, to: page.cursor)
                continue
            }
            let secret = engine.webhookSecret(webhook)
            for event in page.events {
                let delivery = await send(event, orgID: orgID, to: webhook, secret: secret, attempt: progress.attempts + 1, connection: &connection)
                do {
                    guard let next = try await registry.record(progress, delivery) else { break }
                    count(delivery, event: event, webhook: webhook)
                    progress = next
                    guard delivery.outcome == .delivered else {
                        if next.attempts >= registry.retry.maximumAttempts {
                            let reason = "event \(delivery.eventID) failed \(next.attempts) times; last: \(delivery.error ?? "no answer")"
                            await pause(webhook, orgID: orgID, engine: engine, progress: next, reason: reason)
                        }
                        break
                    }
                } catch {
                    // The journal refused: leave the cursor; the event goes out again later.
                    logger.error("webhook delivery state could not be saved", metadata: ["webhook.id": "\(id)", "error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    break
                }
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
        _ event: FeedEvent, orgID: OrganisationID, to webhook: Webhook, secret: String, attempt: Int, connection: inout PinnedClient
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
            value: WebhookSignature.header(body: body, secret: secret, timestamp: now.millisecondsSinceEpoch / 1000)
        )
        request.body = .bytes(ByteBuffer(bytes: body))
        let started = DispatchTime.now().uptimeNanoseconds
        var delivery = WebhookDelivery(
            eventID: eventID, sequence: event.sequence, eventType: event.kind.name, outcome: .failed, attempt: 0, at: now.millisecondsSinceEpoch,
            responseStatus: nil, error: nil, durationMilliseconds: 0
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
                    "webhook.id": "\(webhook.id)", "event.id": "\(delivery.eventID)", "attempt": "\(delivery.attempt)", "error": "\(delivery.error ?? "")",
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
    let destinations: WebhookDestinations
    let timeout: Span
    private var pinned: (host: String, address: NetworkAddress, client: HTTPClient)?

    init(destinations: WebhookDestinations, timeout: Span) {
        self.destinations = destinations
        self.timeout = timeout
    }

    mutating func client(for url: String) async throws -> HTTPClient {
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

    mutating func shutdown() async {
        if let client = pinned?.client { try? await client.shutdown() }
        pinned = nil
    }
}
