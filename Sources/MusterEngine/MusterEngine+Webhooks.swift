import MusterDomain
import MusterSecurity
import Synchronization

/// Every webhook of every org, by id: how the delivery service finds the subscriptions it
/// serves without visiting each org. Kept by the engine after each command that creates or
/// deletes one, and rebuilt from the orgs' states on recovery.
final class WebhookDirectory: Sendable {
    private let table = Mutex<[WebhookID: OrganisationID]>([:])
    /// Bumped (key `0`) whenever a webhook is created or deleted anywhere.
    let changes = ChangeSignal<Int>()

    func note(_ records: [OrgEventRecord], of orgID: OrganisationID) {
        var changed = false
        table.withLock { table in
            for record in records {
                switch record.event {
                case .webhookCreated(let id, _, _, _, _, _):
                    table[id] = orgID
                    changed = true
                case .webhookDeleted(let id):
                    table[id] = nil
                    changed = true
                default:
                    continue
                }
            }
        }
        if changed { changes.bump(0) }
    }

    func add(_ states: [OrgState]) {
        table.withLock { table in
            for state in states {
                for id in state.webhookOrder { table[id] = state.id }
            }
        }
        changes.bump(0)
    }

    var all: [(id: WebhookID, orgID: OrganisationID)] {
        table.withLock { $0.map { ($0.key, $0.value) } }
    }
}

extension MusterEngine {
    /// A webhook as its owners see it, with the secret shown only when it is created.
    public struct WebhookView: Sendable {
        public var webhook: Webhook
        /// The org's version when read: how far behind delivery is.
        public var orgVersion: UInt64
    }

    /// Subscribes `url` to the org's events, from after `after` (or from now when `nil`), and
    /// returns it with its signing secret, which is shown this once and kept nowhere.
    public func createWebhook(
        org orgID: OrganisationID,
        url: String,
        eventTypes: [OrgEvent.Kind]?,
        description: String?,
        after: UInt64?,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> (view: WebhookView, secret: String) {
        let id = WebhookID.timeOrdered()
        let nonce = Identifier<Webhook>.timeOrdered()
        let command = OrgCommand.createWebhook(
            id: id,
            url: url,
            eventTypes: eventTypes,
            description: description,
            startAfter: after,
            secretNonce: nonce
        )
        let view = try await run(command, on: orgID, by: principal, context: context) { state throws(DomainError) in
            WebhookView(webhook: try state.webhook(id, for: .system), orgVersion: state.version)
        }
        return (view, signer.webhookSecret(nonce: nonce))
    }

    /// The org's webhooks.
    public func webhooks(org orgID: OrganisationID, by principal: Principal) async throws -> [WebhookView] {
        try await read(orgID) { state, _ throws(DomainError) in
            try state.webhooks(for: principal).map { WebhookView(webhook: $0, orgVersion: state.version) }
        }
    }

    /// One of the org's webhooks.
    public func webhook(_ id: WebhookID, org orgID: OrganisationID, by principal: Principal) async throws -> WebhookView {
        try await read(orgID) { state, _ throws(DomainError) in
            WebhookView(webhook: try state.webhook(id, for: principal), orgVersion: state.version)
        }
    }

    /// Deletes a webhook.
    public func deleteWebhook(_ id: WebhookID, org orgID: OrganisationID, by principal: Principal, context: CommandContext = .detached) async throws {
        try await run(.deleteWebhook(id: id), on: orgID, by: principal, context: context) { _ throws(DomainError) in () }
    }

    /// Pauses a webhook: `requested` by someone with integration access, or `deliveryFailing`
    /// by Muster itself (as `.system`).
    @discardableResult
    public func pauseWebhook(
        _ id: WebhookID,
        org orgID: OrganisationID,
        cause: Webhook.PauseCause,
        reason: String,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> WebhookView {
        try await run(.pauseWebhook(id: id, cause: cause, reason: reason), on: orgID, by: principal, context: context) { state throws(DomainError) in
            WebhookView(webhook: try state.webhook(id, for: .system), orgVersion: state.version)
        }
    }

    /// Resumes a paused webhook from the event it stopped at.
    public func resumeWebhook(
        _ id: WebhookID,
        org orgID: OrganisationID,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> WebhookView {
        try await run(.resumeWebhook(id: id), on: orgID, by: principal, context: context) { state throws(DomainError) in
            WebhookView(webhook: try state.webhook(id, for: .system), orgVersion: state.version)
        }
    }

    /// Changes a webhook's endpoint, types or description; an update that changes nothing
    /// records nothing.
    public func updateWebhook(
        _ id: WebhookID,
        org orgID: OrganisationID,
        _ update: OrgCommand.WebhookUpdate,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws
        -> WebhookView
    {
        try await run(.updateWebhook(id: id, update), on: orgID, by: principal, context: context) { state throws(DomainError) in
            WebhookView(webhook: try state.webhook(id, for: .system), orgVersion: state.version)
        }
    }

    /// Queues a test event for the webhook, signed and delivered like any other; returns the
    /// ping's sequence, which names it in the delivery history.
    public func pingWebhook(
        _ id: WebhookID,
        org orgID: OrganisationID,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> (view: WebhookView, sequence: UInt64) {
        try await run(.pingWebhook(id: id), on: orgID, by: principal, context: context) { state throws(DomainError) in
            (WebhookView(webhook: try state.webhook(id, for: .system), orgVersion: state.version), state.version)
        }
    }

    /// Gives a webhook a new signing secret, shown this once; the one it replaces keeps
    /// signing beside it for `gracePeriod`.
    public func rotateWebhookSecret(
        _ id: WebhookID,
        org orgID: OrganisationID,
        gracePeriod: Span,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> (
        view: WebhookView, secret: String
    ) {
        let nonce = Identifier<Webhook>.timeOrdered()
        let view = try await run(
            .rotateWebhookSecret(id: id, secretNonce: nonce, gracePeriod: gracePeriod),
            on: orgID,
            by: principal,
            context: context
        ) {
            state throws(DomainError) in
            WebhookView(webhook: try state.webhook(id, for: .system), orgVersion: state.version)
        }
        return (view, signer.webhookSecret(nonce: nonce))
    }

    /// The webhook as the delivery service needs it, with the org's version, or `nil` once it
    /// is deleted; behind the read fence like every read, so every event up to that version is
    /// durable — in the log a follower reads next — when it returns.
    public func webhookForDelivery(_ id: WebhookID, org orgID: OrganisationID) async throws -> (webhook: Webhook, orgVersion: UInt64)? {
        try await read(orgID) { state, _ throws(DomainError) in state.webhooks[id].map { ($0, state.version) } }
    }

    /// The feed events of `records` — the org's own, read from the durable log — as a webhook
    /// receives them: each built from its record and the records it names, never from the
    /// audit trail.
    public func feedEventsForDelivery(org orgID: OrganisationID, records: [OrgEventRecord]) async throws -> [FeedEvent] {
        try await read(orgID) { state, _ throws(DomainError) in records.map { state.feedEvent(for: $0) } }
    }

    /// Every webhook's id and org, for the delivery service.
    public var allWebhooks: [(id: WebhookID, orgID: OrganisationID)] { webhookDirectory.all }

    /// Bumped whenever a webhook is created or deleted in any org.
    public var webhookDirectoryChanges: ChangeSignal<Int> { webhookDirectory.changes }

    /// The fingerprint of an idempotent request (see
    /// ``LinkTokenSigner/requestFingerprint(method:path:body:)``): keyed by the server secret,
    /// because it is stored in the log beside the change.
    public func requestFingerprint(method: String, path: String, body: [UInt8]) -> String {
        signer.requestFingerprint(method: method, path: path, body: body)
    }

    /// The form token of a console session (see ``LinkTokenSigner/formToken(forSession:)``).
    public func formToken(forSession sessionToken: String) -> String {
        signer.formToken(forSession: sessionToken)
    }

    /// The signing secrets of a webhook now (derived, never stored): the current one, and the
    /// rotated-out one during its grace period, by the engine's clock, which set that period.
    public func webhookSecrets(_ webhook: Webhook) -> [String] {
        webhook.signingNonces(at: clock.now()).map { signer.webhookSecret(nonce: $0) }
    }
}
