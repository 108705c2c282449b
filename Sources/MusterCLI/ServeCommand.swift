import ArgumentParser
import Logging
import MusterDomain
import MusterLog
import MusterServer

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

    @Option(name: .customLong("mail-from"), help: "The From: of every email (MUSTER_MAIL_FROM).")
    var mailFrom: String = Environment.value("MUSTER_MAIL_FROM") ?? "Muster <no-reply@muster.invalid>"

    @Option(name: .customLong("segment-size-mb"), help: "The size of each log segment in MiB (MUSTER_SEGMENT_SIZE_MB).")
    var segmentSizeMiB: Int = Environment.value("MUSTER_SEGMENT_SIZE_MB").flatMap { Int($0) } ?? 64

    @Option(name: .customLong("direct-create"), help: "Who may create users with a temporary password: org-admins, platform-admin-only or disabled (MUSTER_DIRECT_CREATE).")
    var directCreate: String = Environment.value("MUSTER_DIRECT_CREATE") ?? "org-admins"

    @Option(name: .customLong("caseload-cap"), help: "The soft cap on distinct active tenants per collaborator (MUSTER_CASELOAD_CAP).")
    var caseloadCap: Int = Environment.value("MUSTER_CASELOAD_CAP").flatMap { Int($0) } ?? 500

    @Flag(name: .customLong("truncate-corruption"), help: "Cut the log at mid-log damage instead of refusing to start (MUSTER_TRUNCATE_CORRUPTION=1).")
    var truncateCorruption = Environment.value("MUSTER_TRUNCATE_CORRUPTION") == "1"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (MUSTER_LOG_LEVEL).")
    var logLevel: String = Environment.value("MUSTER_LOG_LEVEL") ?? "info"

    func validate() throws {
        guard FsyncPolicy(fsync) != nil else { throw ValidationError("--fsync must be group-commit, every-record, interval-<N>ms or none; got \(fsync)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard snapshotIntervalMinutes >= 1, sweepIntervalSeconds >= 1, segmentSizeMiB >= 1, caseloadCap >= 1 else {
            throw ValidationError("intervals, the segment size and the caseload cap must be positive")
        }
        guard Self.directCreatePolicy(directCreate) != nil else { throw ValidationError("--direct-create must be org-admins, platform-admin-only or disabled") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        if let adminToken = adminToken ?? Environment.value("MUSTER_ADMIN_TOKEN"), adminToken.utf8.count < 24 { throw ValidationError("--admin-token must be at least 24 characters") }
    }

    func run() async throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.dataDirectory = data.dataDirectory
        configuration.fsyncPolicy = FsyncPolicy(fsync)!
        configuration.publicBaseURL = publicBaseURL ?? Environment.value("MUSTER_PUBLIC_BASE_URL") ?? "http://\(host):\(port)"
        configuration.adminToken = adminToken ?? Environment.value("MUSTER_ADMIN_TOKEN")
        configuration.maxBodyBytes = maxBodyBytes
        configuration.snapshotEveryRecords = snapshotEveryRecords
        configuration.snapshotInterval = .minutes(Int64(snapshotIntervalMinutes))
        configuration.sweepInterval = .seconds(Int64(sweepIntervalSeconds))
        configuration.mailDirectory = mailDirectory ?? Environment.value("MUSTER_MAIL_DIR")
        configuration.mailSender = mailFrom
        configuration.segmentSize = Int64(segmentSizeMiB) << 20
        configuration.truncateCorruption = truncateCorruption
        configuration.policy.directCreate = Self.directCreatePolicy(directCreate)!
        configuration.policy.caseloadCap = caseloadCap

        var logger = Logger(label: "muster")
        logger.logLevel = Logger.Level(rawValue: logLevel)!
        try await MusterServer.run(configuration: configuration, logger: logger)
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
