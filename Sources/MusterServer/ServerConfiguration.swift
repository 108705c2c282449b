import MusterCluster
import MusterDelivery
import MusterDomain
import MusterEngine
import MusterLog

/// Every setting of `muster serve`, with the embedded defaults: 127.0.0.1:8080, data in
/// `data/`, group commit.
public struct ServerConfiguration: Sendable {
    /// Whether spans are made for requests, the org actors' steps, the log's sync waits and
    /// what follows the log: on when traces are exported (`--otel-endpoint`), whose exporter
    /// the caller bootstraps and runs.
    public var tracing = false
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The port to listen on (0 picks a free one).
    public var port = 8080
    /// The data folder: the log, snapshots, the server secret, the outbox and `mail/`.
    public var dataDirectory = "data"
    /// When appends become durable; group commit by default.
    public var fsyncPolicy: FsyncPolicy = .groupCommit
    /// The base of every link in an email: `<publicBaseURL>/invitations/accept?token=…`.
    public var publicBaseURL = "http://127.0.0.1:8080"
    /// The platform admin's token; when `nil`, one is generated on first start, kept in the
    /// data folder and printed once.
    public var adminToken: String?
    /// The largest request body, in bytes.
    public var maxBodyBytes = ServerConfiguration.defaultMaxBodyBytes
    /// Take a snapshot after this many log records…
    public var snapshotEveryRecords: UInt64 = 1_000_000
    /// …or this long after the last one, whichever comes first.
    public var snapshotInterval: Span = .minutes(30)
    /// How often pending invitations past `expires_at` are moved to `expired`.
    public var sweepInterval: Span = .hours(1)
    /// The `From:` of every email.
    public var mailSender = "Muster <no-reply@muster.invalid>"
    /// The SMTP server emails go to; when `nil`, each email is a file in ``mailDirectory``.
    public var smtp: SMTPSettings?
    /// The folder `.eml` files are written to; `<data>/mail` when `nil`.
    public var mailDirectory: String?
    /// How long delivered `.eml` files are kept, in days; `0` for ever.
    public var mailRetentionDays = 14
    /// A folder of email templates replacing or adding to Muster's own (`<locale>/<kind>.<part>.mustache`);
    /// a broken one stops the start.
    public var mailTemplatesDirectory: String?
    /// Where the link pages send people once they have accepted or signed in; `nil` for the
    /// console.
    public var appURL: String?
    /// The size each log segment is preallocated to.
    public var segmentSize: Int64 = 64 << 20
    /// Cut the log at mid-log damage instead of refusing to start (an explicit operator choice).
    public var truncateCorruption = false
    /// How webhook deliveries are retried and timed out.
    public var webhookRetry = WebhookRetryPolicy()
    /// Whether webhooks may go to loopback and private-network addresses (a receiver on the
    /// same machine or network). Off by default: a webhook is a request on a customer's behalf
    /// and must not reach what the customer cannot.
    public var webhookAllowPrivateNetworks = false
    /// Resolves webhook hosts at delivery; replaced in tests.
    var webhookResolver: any HostResolver = SystemHostResolver()
    /// How long a connection may wait for a request, and a client may take to send a request's
    /// head, before the connection is closed.
    public var idleTimeout: Span = .seconds(60)
    /// How long a client may take to send a request's body after its head.
    public var requestTimeout: Span = .seconds(30)
    /// Long polls (`wait` on the event feed) running at once, in total and per caller; beyond
    /// them a poll is refused with `429 rate_limited`.
    public var maximumLongPolls = 1_000
    public var maximumLongPollsPerCaller = 10
    /// How many failed sign-ins and sign-in link requests are taken before callers wait.
    public var signInLimits = SignInLimits()
    /// The rules' limits: caseload cap, direct-create policy, lifetimes.
    public var policy = Policy()
    /// Run as a node of a cluster over PostgreSQL instead of on the data folder's own log.
    public var cluster: ClusterSettings?

    /// 1 MiB: far above the largest legitimate body (a bulk request of 1,000 items).
    public static let defaultMaxBodyBytes = 1 << 20

    /// The embedded defaults.
    public init() {}

    /// Where webhooks may be delivered.
    var webhookDestinations: WebhookDestinations {
        WebhookDestinations(allowPrivateNetworks: webhookAllowPrivateNetworks, resolver: webhookResolver)
    }

    /// SMTP when it is configured, files otherwise.
    var mailTransport: any MailTransport {
        if let smtp { return SMTPMailTransport(settings: smtp, sender: mailSender) }
        return FileMailTransport(
            folder: resolvedMailDirectory,
            sender: mailSender,
            retention: mailRetentionDays > 0 ? .days(Int64(mailRetentionDays)) : nil
        )
    }

    /// The folder of the `.eml` files.
    var resolvedMailDirectory: String { mailDirectory ?? dataDirectory + "/mail" }

    /// The public base URL without a trailing slash.
    var linkBase: String {
        var base = publicBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}

extension ServerConfiguration: CustomStringConvertible {
    /// Where the server listens and keeps its data, without the admin token or the SMTP
    /// password: what may go in a log line.
    public var description: String {
        let mail = smtp.map { "\($0)" } ?? "files in \(resolvedMailDirectory)"
        return
            "ServerConfiguration(\(host):\(port), data \(dataDirectory), \(fsyncPolicy), admin token \(adminToken == nil ? "from the data folder" : "given"), mail \(mail))"
    }
}
