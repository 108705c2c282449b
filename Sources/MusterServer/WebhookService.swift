import Foundation
import AsyncHTTPClient
import CoreMetrics
import Dispatch
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

    /// Starts a worker for every subscription, and for each one registered later.
    private func superviseWorkers() async {
        await withDiscardingTaskGroup { group in
            var started = Set<String>()
            while !Task.isCancelled {
                let seen = registry.changes.version(of: "")
                for id in await registry.allIDs() where started.insert(id).inserted {
                    group.addTask {
                        var connection = PinnedClient(destinations: destinations, timeout: registry.retry.requestTimeout)
                        await work(id, connection: &connection)
                        await connection.shutdown()
                    }
                }
                _ = await registry.changes.wait(for: "", beyond: seen, timeout: .seconds(3600))
            }
        }
    }

    /// Delivers one subscription's events until it is deleted or the service stops.
    private func work(_ id: String, connection: inout PinnedClient) async {
        while !Task.isCancelled {
            let seen = registry.changes.version(of: id)
            guard let subscription = await registry.subscription(id) else { return }
            guard subscription.status == .active else {
                _ = await registry.changes.wait(for: id, beyond: seen, timeout: .seconds(3600))
                continue
            }
            let wait = subscription.nextAttemptAt - clock.now().millisecondsSinceEpoch
            if wait > 0 {
                _ = await registry.changes.wait(for: id, beyond: seen, timeout: .milliseconds(wait))
                continue
            }
            guard let engine = try? slot.engine(), let orgID = OrganisationID(subscription.orgID) else {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            let page: FeedPage
            do {
                page = try await engine.eventsForDelivery(org: orgID, after: subscription.cursor, kinds: subscription.kinds, limit: Self.pageSize, wait: Self.feedWait)
            } catch {
                logger.warning("webhook feed read failed", metadata: ["webhook.id": "\(id)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard !page.events.isEmpty else {
                await registry.skip(id, from: subscription.cursor, to: page.cursor)
                continue
            }
            var current = subscription
            for event in page.events {
                let delivery = await send(event, orgID: orgID, to: current, connection: &connection)
                do {
                    guard let next = try await registry.record(id, from: current.cursor, delivery) else { break }
                    count(delivery, event: event, subscription: next)
                    current = next
                    if delivery.outcome == .failed { break }
                } catch {
                    // The journal refused: leave the cursor; the event goes out again later.
                    logger.error("webhook delivery state could not be saved", metadata: ["webhook.id": "\(id)", "error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    break
                }
            }
        }
    }

    /// POSTs one event, signed, and says how it went.
    private func send(_ event: FeedEvent, orgID: OrganisationID, to subscription: WebhookSubscription, connection: inout PinnedClient) async -> WebhookDelivery {
        var json = JSONWriter()
        json.feedEvent(event, orgID: orgID)
        let body = json.bytes
        let now = clock.now()
        let eventID = FeedEvent.id(orgID: orgID, sequence: event.sequence)
        var request = HTTPClientRequest(url: subscription.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Muster-Webhooks/1")
        request.headers.add(name: "Muster-Event-Id", value: eventID)
        request.headers.add(name: "Muster-Event-Type", value: event.kind.name)
        request.headers.add(name: "Muster-Webhook-Id", value: subscription.id)
        request.headers.add(name: "Muster-Delivery-Attempt", value: String(subscription.attempts + 1))
        request.headers.add(
            name: WebhookSignature.headerName,
            value: WebhookSignature.header(body: body, secret: subscription.secret, timestamp: now.millisecondsSinceEpoch / 1000)
        )
        request.body = .bytes(ByteBuffer(bytes: body))
        let started = DispatchTime.now().uptimeNanoseconds
        var delivery = WebhookDelivery(
            eventID: eventID, sequence: event.sequence, eventType: event.kind.name, outcome: .failed, attempt: 0, at: now.millisecondsSinceEpoch,
            responseStatus: nil, error: nil, durationMilliseconds: 0
        )
        do {
            let client = try await connection.client(for: subscription.url)
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

    private func count(_ delivery: WebhookDelivery, event: FeedEvent, subscription: WebhookSubscription) {
        if delivery.attempt > 1 { metrics.webhookRetries.increment() }
        switch delivery.outcome {
        case .delivered:
            metrics.webhookDelivered.increment()
            metrics.webhookLag.recordMilliseconds(max(0, delivery.at - event.at.millisecondsSinceEpoch))
        case .failed:
            metrics.webhookFailed.increment()
            logger.warning(
                "webhook delivery failed", metadata: ["webhook.id": "\(subscription.id)", "event.id": "\(delivery.eventID)", "attempt": "\(delivery.attempt)", "error": "\(delivery.error ?? "")"]
            )
            if subscription.status == .paused {
                metrics.webhookPaused.increment()
                logger.error("webhook paused after repeated failures", metadata: ["webhook.id": "\(subscription.id)", "reason": "\(subscription.pausedReason ?? "")"])
            }
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
