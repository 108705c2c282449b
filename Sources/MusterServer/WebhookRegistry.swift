import Foundation
import MusterDomain
import MusterEngine
import MusterLog

/// The webhook subscriptions of every org, their delivery state and history, journaled so a
/// restart neither loses a subscription nor re-sends what was acknowledged as delivered.
///
/// Every change is durable before it is visible: a registration before the route answers, a
/// delivery before the worker moves on to the next event.
actor WebhookRegistry {
    /// The most subscriptions one org may have.
    static let maximumPerOrg = 20
    /// Deliveries kept per subscription, newest last.
    static let historyLength = 100

    private var tables = Tables()
    private let journal: Journal?
    private var journalEntries = 0
    let retry: WebhookRetryPolicy
    /// Bumped per subscription id when it changes (resumed, deleted), and under the key `""`
    /// when one is added: what the delivery workers wait on.
    nonisolated let changes = ChangeSignal<String>()

    private enum Entry: Codable {
        case subscription(WebhookSubscription)
        case delivery(id: String, WebhookDelivery)
        case deleted(id: String)
    }

    /// A registry in memory only (tests without a data folder).
    init(retry: WebhookRetryPolicy = WebhookRetryPolicy()) {
        journal = nil
        self.retry = retry
    }

    /// Opens the registry on its journal, readable by its owner only (it holds the signing
    /// secrets), and compacts the journal to what is live.
    init(path: String, retry: WebhookRetryPolicy = WebhookRetryPolicy()) throws {
        let (journal, payloads) = try Journal.open(path: path)
        chmod(path, 0o600)
        self.journal = journal
        self.retry = retry
        let decoder = JSONDecoder()
        var tables = Tables()
        for payload in payloads {
            guard let entry = try? decoder.decode(Entry.self, from: Data(payload)) else { continue }
            switch entry {
            case .subscription(let subscription):
                if tables.subscriptions[subscription.id] == nil { tables.byOrg[subscription.orgID, default: []].append(subscription.id) }
                tables.subscriptions[subscription.id] = subscription
            case .delivery(let id, let delivery):
                guard tables.subscriptions[id] != nil else { continue }
                tables.appendHistory(id, delivery)
            case .deleted(let id):
                tables.forget(id)
            }
        }
        let live = tables.liveEntries()
        try journal.rewrite(live)
        self.tables = tables
        journalEntries = live.count
    }

    // MARK: Administration

    /// Adds a subscription; refuses when the org already has ``maximumPerOrg``.
    func register(_ subscription: WebhookSubscription) async throws {
        guard tables.byOrg[subscription.orgID, default: []].count < Self.maximumPerOrg else {
            throw DomainError(.conflict, "an organisation may have at most \(Self.maximumPerOrg) webhooks; delete one first")
        }
        try await write([.subscription(subscription)])
        tables.subscriptions[subscription.id] = subscription
        tables.byOrg[subscription.orgID, default: []].append(subscription.id)
        changes.bump("")
    }

    /// The org's subscriptions in registration order.
    func subscriptions(org orgID: String) -> [WebhookSubscription] {
        tables.byOrg[orgID, default: []].compactMap { tables.subscriptions[$0] }
    }

    /// One subscription of `orgID`, or `nil`.
    func subscription(_ id: String, org orgID: String) -> WebhookSubscription? {
        tables.subscriptions[id].flatMap { $0.orgID == orgID ? $0 : nil }
    }

    /// One subscription, whatever its org.
    func subscription(_ id: String) -> WebhookSubscription? { tables.subscriptions[id] }

    /// Every subscription's id.
    func allIDs() -> [String] { Array(tables.subscriptions.keys) }

    /// Deletes a subscription and its history; returns whether it existed.
    func delete(_ id: String, org orgID: String) async throws -> Bool {
        guard subscription(id, org: orgID) != nil else { return false }
        try await write([.deleted(id: id)])
        tables.forget(id)
        changes.bump(id)
        return true
    }

    /// Resumes a paused subscription at once, from the event it stopped at.
    func resume(_ id: String, org orgID: String) async throws -> WebhookSubscription? {
        guard var subscription = subscription(id, org: orgID) else { return nil }
        subscription.status = .active
        subscription.pausedReason = nil
        subscription.attempts = 0
        subscription.nextAttemptAt = 0
        try await write([.subscription(subscription)])
        tables.subscriptions[id] = subscription
        changes.bump(id)
        return subscription
    }

    /// The subscription's deliveries, newest first.
    func deliveries(_ id: String) -> [WebhookDelivery] {
        tables.history[id, default: []].reversed()
    }

    // MARK: Delivery

    /// Moves the cursor past events the type filter skipped.
    func skip(_ id: String, from cursor: UInt64, to newCursor: UInt64) async {
        guard var subscription = tables.subscriptions[id], subscription.cursor == cursor, newCursor > cursor else { return }
        subscription.cursor = newCursor
        // Not worth a failure: at worst the skipped events are examined again.
        try? await write([.subscription(subscription)])
        if tables.subscriptions[id]?.cursor == cursor { tables.subscriptions[id]?.cursor = newCursor }
    }

    /// Records an attempt at the event after `cursor`. A success moves the cursor; a failure
    /// schedules the next attempt, or pauses the subscription once the retries are spent.
    /// Returns the subscription as it now is, or `nil` when it was deleted or moved meanwhile
    /// (the worker then starts over from the registry).
    func record(_ id: String, from cursor: UInt64, _ delivery: WebhookDelivery) async throws -> WebhookSubscription? {
        guard var subscription = tables.subscriptions[id], subscription.cursor == cursor, subscription.status == .active else { return nil }
        var delivery = delivery
        delivery.attempt = subscription.attempts + 1
        switch delivery.outcome {
        case .delivered:
            subscription.cursor = delivery.sequence
            subscription.attempts = 0
            subscription.nextAttemptAt = 0
            subscription.lastDeliveredAt = delivery.at
            subscription.deliveredCount += 1
        case .failed:
            subscription.attempts += 1
            subscription.failedAttemptCount += 1
            subscription.lastError = delivery.error
            if subscription.attempts >= retry.maximumAttempts {
                subscription.status = .paused
                subscription.pausedReason = "event \(delivery.eventID) failed \(subscription.attempts) times; last: \(delivery.error ?? "no answer")"
            } else {
                subscription.nextAttemptAt = delivery.at + retry.delay(afterAttempts: subscription.attempts).milliseconds
            }
        }
        try await write([.subscription(subscription), .delivery(id: id, delivery)])
        // A resume or delete that ran during the write wins.
        guard tables.subscriptions[id]?.cursor == cursor else { return nil }
        tables.subscriptions[id] = subscription
        tables.appendHistory(id, delivery)
        compactIfWorthIt()
        return subscription
    }

    // MARK: Journal

    private func write(_ entries: [Entry]) async throws {
        guard let journal else { return }
        let encoder = JSONEncoder()
        try await journal.append(contentsOf: try entries.map { Array(try encoder.encode($0)) })
        journalEntries += entries.count
    }

    /// Rewrites the journal once most of it is superseded state.
    private func compactIfWorthIt() {
        guard let journal else { return }
        let liveCount = tables.subscriptions.count * (Self.historyLength + 1)
        guard journalEntries > 10_000, journalEntries > 4 * liveCount else { return }
        let live = tables.liveEntries()
        // A write racing this rewrite is serialised by the journal; one lost would only mean a
        // delivery made again, never a lost event.
        if (try? journal.rewrite(live)) != nil { journalEntries = live.count }
    }

    /// The registry's rows: subscriptions, each org's ids in registration order, histories.
    private struct Tables {
        var subscriptions: [String: WebhookSubscription] = [:]
        var byOrg: [String: [String]] = [:]
        var history: [String: [WebhookDelivery]] = [:]

        mutating func appendHistory(_ id: String, _ delivery: WebhookDelivery) {
            var deliveries = history[id, default: []]
            deliveries.append(delivery)
            if deliveries.count > WebhookRegistry.historyLength { deliveries.removeFirst(deliveries.count - WebhookRegistry.historyLength) }
            history[id] = deliveries
        }

        mutating func forget(_ id: String) {
            guard let subscription = subscriptions.removeValue(forKey: id) else { return }
            byOrg[subscription.orgID]?.removeAll { $0 == id }
            history[id] = nil
        }

        /// The entries that say everything the registry holds: each subscription, then its history.
        func liveEntries() -> [[UInt8]] {
            let encoder = JSONEncoder()
            var entries = [Entry]()
            for ids in byOrg.values {
                for id in ids {
                    guard let subscription = subscriptions[id] else { continue }
                    entries.append(.subscription(subscription))
                    entries += history[id, default: []].map { .delivery(id: id, $0) }
                }
            }
            return entries.compactMap { try? Array(encoder.encode($0)) }
        }
    }
}
