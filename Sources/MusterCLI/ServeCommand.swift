import ArgumentParser
import Logging
import MusterCluster
import MusterDelivery
import MusterDomain
import MusterLog
import MusterServer
import MusterStorage

/// `muster serve`: runs the HTTP API with embedded defaults — 127.0.0.1:8080, data in `data/`,
/// group commit. Every setting has a flag and a `MUSTER_…` environment variable; a flag wins.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the Muster HTTP API.",
        discussion: """
            Recovers the data folder (the log after the newest good snapshot), then answers on \
            the address given. /healthz answers at once; /readyz once recovery has finished. \
            SIGTERM or SIGINT drains the requests in flight, syncs the log and stops.

            On first start a server secret (data/server-secret.key) signs magic links, and, \
            unless --admin-token or MUSTER_ADMIN_TOKEN is set, an admin token is generated into \
            data/admin-token and printed once.
            """
    )

    @OptionGroup var data: DataFolderOptions

    @Option(help: "The address to listen on (MUSTER_HOST).")
    var host: String = Environment.value("MUSTER_HOST") ?? "127.0.0.1"

    @Option(help: "The port to listen on (MUSTER_PORT).")
    var port: Int = Environment.value("MUSTER_PORT").flatMap { Int($0) } ?? 8080

    @Option(help: "When a write is durable: group-commit, every-record, interval-<N>ms or none (MUSTER_FSYNC).")
    var fsync: String = Environment.value("MUSTER_FSYNC") ?? "group-commit"

    @Option(name: .customLong("public-base-url"), help: "The base of the links in emails, e.g. https://app.example.org (MUSTER_PUBLIC_BASE_URL).")
    var publicBaseURL: String?

    @Option(name: .customLong("admin-token"), help: "The platform admin token, at least 24 characters (MUSTER_ADMIN_TOKEN). Generated when unset.")
    var adminToken: String?

    @Option(
        name: .customLong("admin-token-file"),
        help: "Read the platform admin token from this file, e.g. a systemd credential (MUSTER_ADMIN_TOKEN_FILE)."
    )
    var adminTokenFile: String?

    /// The admin token given by flag, environment or file; `nil` when none is (one is generated).
    private func givenAdminToken() throws -> String? {
        let direct = adminToken ?? Environment.value("MUSTER_ADMIN_TOKEN")
        guard let file = adminTokenFile ?? Environment.value("MUSTER_ADMIN_TOKEN_FILE") else { return direct }
        guard direct == nil else {
            throw ValidationError("give the admin token once: --admin-token (MUSTER_ADMIN_TOKEN) or --admin-token-file, not both")
        }
        guard let bytes = try? PosixFileSystem().read(file) else { throw ValidationError("--admin-token-file: cannot read \(file)") }
        // A file written by `echo` ends in a newline, which is not part of the token.
        return String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
    }

    @Option(name: .customLong("max-body-bytes"), help: "The largest request body accepted (MUSTER_MAX_BODY_BYTES).")
    var maxBodyBytes: Int = Environment.value("MUSTER_MAX_BODY_BYTES").flatMap { Int($0) } ?? ServerConfiguration.defaultMaxBodyBytes

    @Option(name: .customLong("snapshot-every-records"), help: "Take a snapshot after this many log records (MUSTER_SNAPSHOT_EVERY_RECORDS).")
    var snapshotEveryRecords: UInt64 = Environment.value("MUSTER_SNAPSHOT_EVERY_RECORDS").flatMap { UInt64($0) } ?? 1_000_000

    @Option(name: .customLong("snapshot-interval-minutes"), help: "…or this many minutes after the last one (MUSTER_SNAPSHOT_INTERVAL_MINUTES).")
    var snapshotIntervalMinutes: Int = Environment.value("MUSTER_SNAPSHOT_INTERVAL_MINUTES").flatMap { Int($0) } ?? 30

    @Option(name: .customLong("sweep-interval-seconds"), help: "How often lapsed invitations are marked expired (MUSTER_SWEEP_INTERVAL_SECONDS).")
    var sweepIntervalSeconds: Int = Environment.value("MUSTER_SWEEP_INTERVAL_SECONDS").flatMap { Int($0) } ?? 3600

    @Option(name: .customLong("mail-dir"), help: "The folder for .eml files; <data-dir>/mail by default (MUSTER_MAIL_DIR).")
    var mailDirectory: String?

    @Option(
        name: .customLong("mail-templates"),
        help: "A folder of email templates, <locale>/<kind>.<part>.mustache, replacing or adding to Muster's own (MUSTER_MAIL_TEMPLATES)."
    )
    var mailTemplates: String? = Environment.value("MUSTER_MAIL_TEMPLATES")

    @Option(
        name: .customLong("app-url"),
        help: "Where the link pages send people after they accept or sign in; the console by default (MUSTER_APP_URL)."
    )
    var appURL: String? = Environment.value("MUSTER_APP_URL")

    @Option(name: .customLong("mail-from"), help: "The From: of every email (MUSTER_MAIL_FROM).")
    var mailFrom: String = Environment.value("MUSTER_MAIL_FROM") ?? "Muster <no-reply@muster.invalid>"

    @Option(name: .customLong("smtp-host"), help: "Send emails to this SMTP server instead of writing .eml files (MUSTER_SMTP_HOST).")
    var smtpHost: String?

    @Option(name: .customLong("smtp-port"), help: "The SMTP server's port; 587 by default, 465 with --smtp-security tls (MUSTER_SMTP_PORT).")
    var smtpPort: Int?

    @Option(name: .customLong("smtp-security"), help: "none, starttls or tls (MUSTER_SMTP_SECURITY); starttls by default.")
    var smtpSecurity: String = Environment.value("MUSTER_SMTP_SECURITY") ?? "starttls"

    @Option(
        name: .customLong("smtp-username"),
        help: "Sign in to the SMTP server as this user (MUSTER_SMTP_USERNAME); the password comes from MUSTER_SMTP_PASSWORD."
    )
    var smtpUsername: String?

    @Option(
        name: .customLong("smtp-ca-file"),
        help: "A PEM file of CA certificates to trust for the SMTP server instead of the system's (MUSTER_SMTP_CA_FILE)."
    )
    var smtpCAFile: String?

    @Flag(
        name: .customLong("smtp-allow-plaintext-auth"),
        help:
            "Allow sending the SMTP password without TLS (--smtp-security none), for a relay on a trusted network (MUSTER_SMTP_ALLOW_PLAINTEXT_AUTH=1)."
    )
    var smtpAllowPlaintextAuth = Environment.value("MUSTER_SMTP_ALLOW_PLAINTEXT_AUTH") == "1"

    @Option(name: .customLong("smtp-timeout-seconds"), help: "How long connecting and each SMTP reply may take (MUSTER_SMTP_TIMEOUT_SECONDS).")
    var smtpTimeoutSeconds: Int = Environment.value("MUSTER_SMTP_TIMEOUT_SECONDS").flatMap { Int($0) } ?? 30

    @Option(name: .customLong("webhook-max-attempts"), help: "Failed attempts at one event before a webhook is paused (MUSTER_WEBHOOK_MAX_ATTEMPTS).")
    var webhookMaxAttempts: Int = Environment.value("MUSTER_WEBHOOK_MAX_ATTEMPTS").flatMap { Int($0) } ?? 10

    @Option(name: .customLong("webhook-timeout-seconds"), help: "How long one webhook request may take (MUSTER_WEBHOOK_TIMEOUT_SECONDS).")
    var webhookTimeoutSeconds: Int = Environment.value("MUSTER_WEBHOOK_TIMEOUT_SECONDS").flatMap { Int($0) } ?? 10

    @Option(
        name: .customLong("idle-timeout-seconds"),
        help: "How long a connection may wait for a request, and a client may take to send its head (MUSTER_IDLE_TIMEOUT_SECONDS)."
    )
    var idleTimeoutSeconds: Int = Environment.value("MUSTER_IDLE_TIMEOUT_SECONDS").flatMap { Int($0) } ?? 60

    @Option(
        name: .customLong("request-timeout-seconds"),
        help: "How long a client may take to send a request's body after its head (MUSTER_REQUEST_TIMEOUT_SECONDS)."
    )
    var requestTimeoutSeconds: Int = Environment.value("MUSTER_REQUEST_TIMEOUT_SECONDS").flatMap { Int($0) } ?? 30

    @Flag(
        name: .customLong("webhook-allow-private-networks"),
        help:
            "Let webhooks go to loopback and private-network addresses, for a receiver on this machine or network (MUSTER_WEBHOOK_ALLOW_PRIVATE_NETWORKS=1)."
    )
    var webhookAllowPrivateNetworks = Environment.value("MUSTER_WEBHOOK_ALLOW_PRIVATE_NETWORKS") == "1"

    @Option(name: .customLong("segment-size-mb"), help: "The size of each log segment in MiB (MUSTER_SEGMENT_SIZE_MB).")
    var segmentSizeMiB: Int = Environment.value("MUSTER_SEGMENT_SIZE_MB").flatMap { Int($0) } ?? 64

    @Option(
        name: .customLong("direct-create"),
        help: "Who may create users with a temporary password: org-admins, platform-admin-only or disabled (MUSTER_DIRECT_CREATE)."
    )
    var directCreate: String = Environment.value("MUSTER_DIRECT_CREATE") ?? "org-admins"

    @Flag(
        name: .customLong("temporary-passwords-for-link-users"),
        help: "Let admins give a temporary password to people who have only signed in by link (MUSTER_TEMPORARY_PASSWORDS_FOR_LINK_USERS=1)."
    )
    var temporaryPasswordsForLinkUsers = Environment.value("MUSTER_TEMPORARY_PASSWORDS_FOR_LINK_USERS") == "1"

    @Option(name: .customLong("caseload-cap"), help: "The soft cap on distinct active tenants per collaborator (MUSTER_CASELOAD_CAP).")
    var caseloadCap: Int = Environment.value("MUSTER_CASELOAD_CAP").flatMap { Int($0) } ?? 500

    @Option(
        name: .customLong("invitation-lifetime-days"),
        help: "How long an invitation stays acceptable unless the org or the invitation says otherwise, 1 to 30 (MUSTER_INVITATION_LIFETIME_DAYS)."
    )
    var invitationLifetimeDays: Int = Environment.value("MUSTER_INVITATION_LIFETIME_DAYS").flatMap { Int($0) } ?? 7

    @Option(
        name: .customLong("resend-cooldown-seconds"),
        help: "The shortest time between two resends of one invitation (MUSTER_RESEND_COOLDOWN_SECONDS)."
    )
    var resendCooldownSeconds: Int = Environment.value("MUSTER_RESEND_COOLDOWN_SECONDS").flatMap { Int($0) } ?? 60

    @Option(
        name: .customLong("mail-retention-days"),
        help: "How many days delivered .eml files are kept before their day's folder is removed; 0 keeps them (MUSTER_MAIL_RETENTION_DAYS)."
    )
    var mailRetentionDays: Int = Environment.value("MUSTER_MAIL_RETENTION_DAYS").flatMap { Int($0) } ?? 14

    @Option(name: .customLong("resends-per-day"), help: "The most resends of one invitation in any 24 hours (MUSTER_RESENDS_PER_DAY).")
    var resendsPerDay: Int = Environment.value("MUSTER_RESENDS_PER_DAY").flatMap { Int($0) } ?? 5

    @Option(
        name: .customLong("default-locale"),
        help: "The language of emails when neither the invitation nor the org names one (MUSTER_DEFAULT_LOCALE)."
    )
    var defaultLocale: String = Environment.value("MUSTER_DEFAULT_LOCALE") ?? "en"

    @Flag(
        name: .customLong("truncate-corruption"),
        help: "Cut the log at mid-log damage instead of refusing to start (MUSTER_TRUNCATE_CORRUPTION=1)."
    )
    var truncateCorruption = Environment.value("MUSTER_TRUNCATE_CORRUPTION") == "1"

    @Option(
        name: .customLong("postgres-url"),
        help: "Run as a node of a cluster with the log in this PostgreSQL database, postgres://user:password@host:5432/db (MUSTER_POSTGRES_URL)."
    )
    var postgresURL: String? = Environment.value("MUSTER_POSTGRES_URL")

    @Option(name: .customLong("node-name"), help: "This node's name in the cluster; the host name by default (MUSTER_NODE_NAME).")
    var nodeName: String? = Environment.value("MUSTER_NODE_NAME")

    @Option(
        name: .customLong("advertise-url"),
        help:
            "Where the other nodes reach this one, on a private network, e.g. http://10.0.0.5:8080; required with --postgres-url (MUSTER_ADVERTISE_URL)."
    )
    var advertiseURL: String? = Environment.value("MUSTER_ADVERTISE_URL")

    @Option(
        name: .customLong("lease-seconds"),
        help: "How long the leader's lease lasts without renewal; a follower takes over this long after the leader stops (MUSTER_LEASE_SECONDS)."
    )
    var leaseSeconds: Double = Environment.value("MUSTER_LEASE_SECONDS").flatMap { Double($0) } ?? 2

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (MUSTER_LOG_LEVEL).")
    var logLevel: String = Environment.value("MUSTER_LOG_LEVEL") ?? "info"

    @Option(name: .customLong("log-format"), help: "text, or json for one JSON object a line on standard output (MUSTER_LOG_FORMAT).")
    var logFormat: String = Environment.value("MUSTER_LOG_FORMAT") ?? "text"

    @Option(
        name: .customLong("otel-endpoint"),
        help: "Export traces by OTLP/HTTP to this collector, e.g. http://127.0.0.1:4318 (MUSTER_OTEL_ENDPOINT). Off when unset."
    )
    var otelEndpoint: String?

    @Option(name: .customLong("otel-protocol"), help: "http/protobuf or http/json (MUSTER_OTEL_PROTOCOL).")
    var otelProtocol: String = Environment.value("MUSTER_OTEL_PROTOCOL") ?? "http/protobuf"

    func validate() throws {
        guard FsyncPolicy(fsync) != nil else {
            throw ValidationError("--fsync must be group-commit, every-record, interval-<N>ms or none; got \(fsync)")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard snapshotIntervalMinutes >= 1, sweepIntervalSeconds >= 1, segmentSizeMiB >= 1, caseloadCap >= 1 else {
            throw ValidationError("intervals, the segment size and the caseload cap must be positive")
        }
        guard SMTPSettings.Security(rawValue: smtpSecurity) != nil else { throw ValidationError("--smtp-security must be none, starttls or tls") }
        if let port = smtpPort ?? Environment.value("MUSTER_SMTP_PORT").flatMap({ Int($0) }), !(1...65535).contains(port) {
            throw ValidationError("--smtp-port must be 1 to 65535")
        }
        guard smtpTimeoutSeconds >= 1, webhookMaxAttempts >= 1, webhookTimeoutSeconds >= 1, idleTimeoutSeconds >= 1, requestTimeoutSeconds >= 1 else {
            throw ValidationError(
                "--smtp-timeout-seconds, --webhook-max-attempts, --webhook-timeout-seconds, --idle-timeout-seconds and --request-timeout-seconds must be positive"
            )
        }
        guard OrgSettings.invitationLifetimeDays.contains(invitationLifetimeDays) else {
            throw ValidationError("--invitation-lifetime-days must be 1 to 30")
        }
        guard mailRetentionDays >= 0 else { throw ValidationError("--mail-retention-days must be 0 (keep for ever) or more") }
        guard resendCooldownSeconds >= 0, resendsPerDay >= 1 else {
            throw ValidationError("--resend-cooldown-seconds must be 0 or more and --resends-per-day at least 1")
        }
        guard (try? LocaleTag(defaultLocale)) != nil else { throw ValidationError("--default-locale must be a language tag such as en, cy or en-GB") }
        guard Self.directCreatePolicy(directCreate) != nil else {
            throw ValidationError("--direct-create must be org-admins, platform-admin-only or disabled")
        }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
        guard ["http/protobuf", "http/json"].contains(otelProtocol) else {
            throw ValidationError("--otel-protocol must be http/protobuf or http/json")
        }
        if let endpoint = otelEndpoint ?? Environment.value("MUSTER_OTEL_ENDPOINT"), Telemetry.tracesEndpoint(endpoint) == nil {
            throw ValidationError("--otel-endpoint must be an http:// or https:// URL, e.g. http://127.0.0.1:4318")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let adminToken = try givenAdminToken(), adminToken.utf8.count < 24 {
            throw ValidationError("the admin token must be at least 24 characters")
        }
        if let postgresURL {
            do { _ = try PostgresAddress(parsing: postgresURL) } catch { throw ValidationError("--postgres-url: \(error)") }
            guard leaseSeconds >= 0.5, leaseSeconds <= 60 else { throw ValidationError("--lease-seconds must be 0.5 to 60") }
            guard let advertiseURL, advertiseURL.hasPrefix("http://") || advertiseURL.hasPrefix("https://") else {
                throw ValidationError(
                    "a node of a cluster needs --advertise-url (MUSTER_ADVERTISE_URL): the address on a private network where the other nodes reach this one, e.g. http://10.0.0.5:8080"
                )
            }
            guard try givenAdminToken() != nil else {
                throw ValidationError("every node of a cluster needs the same admin token: set MUSTER_ADMIN_TOKEN (or --admin-token)")
            }
        }
    }

    func run() async throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.dataDirectory = data.dataDirectory
        configuration.fsyncPolicy = FsyncPolicy(fsync)!
        configuration.publicBaseURL = publicBaseURL ?? Environment.value("MUSTER_PUBLIC_BASE_URL") ?? "http://\(host):\(port)"
        configuration.adminToken = try givenAdminToken()
        configuration.maxBodyBytes = maxBodyBytes
        configuration.snapshotEveryRecords = snapshotEveryRecords
        configuration.snapshotInterval = .minutes(Int64(snapshotIntervalMinutes))
        configuration.sweepInterval = .seconds(Int64(sweepIntervalSeconds))
        configuration.mailDirectory = mailDirectory ?? Environment.value("MUSTER_MAIL_DIR")
        configuration.mailSender = mailFrom
        configuration.mailRetentionDays = mailRetentionDays
        configuration.mailTemplatesDirectory = mailTemplates
        configuration.appURL = appURL
        configuration.segmentSize = Int64(segmentSizeMiB) << 20
        configuration.truncateCorruption = truncateCorruption
        configuration.policy.directCreate = Self.directCreatePolicy(directCreate)!
        configuration.policy.temporaryPasswordsForLinkUsers = temporaryPasswordsForLinkUsers
        configuration.policy.caseloadCap = caseloadCap
        configuration.policy.invitationLifetime = .days(Int64(invitationLifetimeDays))
        configuration.policy.resendCooldown = .seconds(Int64(resendCooldownSeconds))
        configuration.policy.resendsPerWindow = resendsPerDay
        configuration.policy.defaultLocale = try LocaleTag(defaultLocale)
        if let host = smtpHost ?? Environment.value("MUSTER_SMTP_HOST") {
            let security = SMTPSettings.Security(rawValue: smtpSecurity)!
            let port = smtpPort ?? Environment.value("MUSTER_SMTP_PORT").flatMap { Int($0) } ?? (security == .tls ? 465 : 587)
            var smtp = SMTPSettings(
                host: host,
                port: port,
                security: security,
                username: smtpUsername ?? Environment.value("MUSTER_SMTP_USERNAME"),
                password: Environment.value("MUSTER_SMTP_PASSWORD"),
                caFile: smtpCAFile ?? Environment.value("MUSTER_SMTP_CA_FILE")
            )
            smtp.timeout = .seconds(smtpTimeoutSeconds)
            smtp.allowPlaintextAuth = smtpAllowPlaintextAuth
            if security == .none, smtp.username != nil, !smtpAllowPlaintextAuth {
                throw ValidationError(
                    "--smtp-security none with --smtp-username would send the password in clear text; use starttls or tls, or pass --smtp-allow-plaintext-auth for a relay on a trusted network"
                )
            }
            configuration.smtp = smtp
        }
        configuration.webhookRetry.maximumAttempts = webhookMaxAttempts
        configuration.webhookRetry.requestTimeout = .seconds(Int64(webhookTimeoutSeconds))
        configuration.webhookAllowPrivateNetworks = webhookAllowPrivateNetworks
        configuration.idleTimeout = .seconds(Int64(idleTimeoutSeconds))
        configuration.requestTimeout = .seconds(Int64(requestTimeoutSeconds))

        if let postgresURL {
            let name = nodeName ?? ClusterSettings.hostName
            var cluster = ClusterSettings(
                postgres: try PostgresAddress(parsing: postgresURL),
                nodeName: name,
                advertiseURL: advertiseURL!
            )
            cluster.leaseMilliseconds = Int64(leaseSeconds * 1000)
            configuration.cluster = cluster
        }

        let endpoint = otelEndpoint ?? Environment.value("MUSTER_OTEL_ENDPOINT")
        configuration.tracing = endpoint != nil
        Telemetry.bootstrapLogging(json: logFormat == "json", tracing: configuration.tracing)
        var logger = Logger(label: "muster")
        logger.logLevel = Logger.Level(rawValue: logLevel)!
        do {
            if let endpoint {
                let exporter = try Telemetry.bootstrapTracing(endpoint: endpoint, json: otelProtocol == "http/json", logger: logger)
                try await Telemetry.run(exporter: exporter, logger: logger) { [configuration, logger] in
                    try await MusterServer.run(configuration: configuration, logger: logger)
                }
            } else {
                try await MusterServer.run(configuration: configuration, logger: logger)
            }
        } catch let error as LogError {
            guard case .corrupt = error else { throw error }
            // Say what the operator can do: nothing is changed until they choose.
            throw ValidationError(
                "\(error). Muster will not start on a damaged log. Restore the data folder from a backup, or, to keep what comes before the damage and set the rest aside in log/torn/, start once with --truncate-corruption."
            )
        }
    }

    private static func directCreatePolicy(_ text: String) -> DirectCreatePolicy? {
        switch text {
        case "org-admins": .orgAdmins
        case "platform-admin-only": .platformAdminOnly
        case "disabled": .disabled
        default: nil
        }
    }
}
