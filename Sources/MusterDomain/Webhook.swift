/// An org's subscription to its own events at an HTTP endpoint: a record of the org, created,
/// paused, resumed and deleted by events like any other, so the audit trail says who did each.
///
/// How far delivery has got (the cursor, attempts, history) is not part of the org: it is the
/// delivering service's own bookkeeping. The signing secret is not stored either: it is derived
/// from the server's secret and ``secretNonce``, so it is shown once and never kept anywhere.
public struct Webhook: Hashable, Sendable {
    /// Why a webhook is not delivering.
    public enum PauseCause: UInt8, Hashable, Sendable, SpelledCase {
        /// One event failed as many times as the deployment allows.
        case deliveryFailing
        /// Someone with integration access paused it.
        case requested
        /// The member or API key that created it lost its place in the org; only an org admin
        /// resumes it, so no one keeps a channel of the org's events by proxy.
        case creatorLostAccess

        public var name: String {
            switch self {
            case .deliveryFailing: "delivery_failing"
            case .requested: "requested"
            case .creatorLostAccess: "creator_lost_access"
            }
        }
    }

    /// Whether events flow.
    public enum Status: Hashable, Sendable {
        case active
        case paused(PauseCause, reason: String)
    }

    public var id: WebhookID
    /// The absolute `http`/`https` URL events are POSTed to.
    public var url: String
    /// The event types delivered, sorted by name; `nil` for all.
    public var eventTypes: [OrgEvent.Kind]?
    public var description: String?
    /// The org's sequence after which delivery starts.
    public var startAfter: UInt64
    /// The random input from which the server derives the signing secret.
    public var secretNonce: Identifier<Webhook>
    public var createdAt: Timestamp
    public var createdBy: Principal
    public var status: Status

    /// The most webhooks one org may have.
    public static let maximumPerOrg = 20

    /// Creates a webhook.
    public init(
        id: WebhookID, url: String, eventTypes: [OrgEvent.Kind]?, description: String?, startAfter: UInt64, secretNonce: Identifier<Webhook>,
        createdAt: Timestamp, createdBy: Principal, status: Status
    ) {
        self.id = id
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
        self.startAfter = startAfter
        self.secretNonce = secretNonce
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.status = status
    }

    /// Whether events are being delivered.
    public var isActive: Bool { status == .active }

    /// The subscribed event types, `nil` for all.
    public var kinds: Set<OrgEvent.Kind>? { eventTypes.map(Set.init) }
}

/// Tag for webhook identifiers.
public enum WebhookTag {}
/// Names a webhook subscription.
public typealias WebhookID = Identifier<WebhookTag>
