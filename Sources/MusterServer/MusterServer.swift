import Hummingbird
import Logging
import MusterCluster
import MusterDelivery
import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity
import MusterStorage
import MusterWeb
import NIOCore
import PostgresNIO
import ServiceLifecycle
import UnixSignals

/// Builds the Muster HTTP server: the router with its middleware, the API's routes, and the
/// background services (recovery and snapshots, the email outbox, the expiry sweep).
public enum MusterServer {
    /// The OpenAPI document the server serves at `/openapi.json`, as its bytes.
    public static var openAPIDocument: [UInt8] { OpenAPIDocument.bytes }

    /// Runs the server for `configuration` until SIGTERM or SIGINT, which drain the requests in
    /// flight, sync the log and return.
    public static func run(configuration: ServerConfiguration, logger: Logger) async throws {
        if let cluster = configuration.cluster {
            try await runNode(cluster, configuration: configuration, logger: logger)
            return
        }
        let application = try makeApplication(configuration: configuration, logger: logger)
        logger.info(
            "serving",
            metadata: [
                "address": "\(configuration.host):\(configuration.port)", "data": "\(configuration.dataDirectory)",
                "fsync": "\(configuration.fsyncPolicy)",
            ]
        )
        try await application.runService()
    }

    /// Runs a node of a cluster until SIGTERM or SIGINT. A node that stops leading starts
    /// again at once, as a follower, from the log in the database: its memory may hold
    /// changes it never wrote.
    static func runNode(_ cluster: ClusterSettings, configuration: ServerConfiguration, logger: Logger) async throws {
        guard let adminToken = configuration.adminToken else {
            throw ServerSetupError("every node of a cluster needs the same admin token: set MUSTER_ADMIN_TOKEN (or --admin-token)")
        }
        try PosixFileSystem().createDirectory(configuration.dataDirectory)
        let client = ClusterNode.makeClient(settings: cluster, logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            while true {
                let metrics = ServerMetrics()
                let node = try await ClusterNode.connect(settings: cluster, client: client, logger: logger, metrics: metrics.metricsFactory)
                let secret = try await node.store.sharedSecret("signing-key") { RandomSecret.bytes(64) }
                let runtime = ClusterRuntime(node: node, secret: secret)
                let outbox = MailOutbox(cursor: try await node.store.cursor("outbox"), store: ClusterOutboxCursor(store: node.store))
                let parts = try makeParts(
                    configuration: configuration,
                    adminToken: adminToken,
                    source: .cluster(runtime, secret: secret, hasher: PasswordHasher(), clock: SystemWallClock()),
                    clock: SystemWallClock(),
                    logger: logger,
                    outbox: outbox,
                    cluster: runtime,
                    metrics: metrics
                )
                logger.info(
                    "serving as a node of a cluster",
                    metadata: [
                        "address": "\(configuration.host):\(configuration.port)", "node": "\(cluster.nodeName)",
                        "advertise": "\(cluster.advertiseURL)",
                        "postgres": "\(cluster.postgres)",
                    ]
                )
                let services = ServiceGroup(
                    configuration: .init(services: [.init(service: parts.application)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
                )
                let deposed = try await withThrowingTaskGroup(of: String?.self) { tasks in
                    tasks.addTask {
                        try await services.run()
                        return nil
                    }
                    tasks.addTask {
                        for await reason in runtime.deposed {
                            await services.triggerGracefulShutdown()
                            return reason
                        }
                        return nil
                    }
                    // The services end last: after a deposition, once the server has drained.
                    var reason: String?
                    while let result = try await tasks.next() {
                        if let result { reason = result } else { tasks.cancelAll() }
                    }
                    return reason
                }
                guard let deposed else { return }
                logger.notice("starting again as a follower", metadata: ["reason": "\(deposed)"])
            }
        }
    }

    /// The server for `configuration`, recovering its data in the background; run it with
    /// `runService()`, which stops cleanly on SIGTERM or SIGINT.
    public static func makeApplication(configuration: ServerConfiguration, logger: Logger) throws -> some ApplicationProtocol {
        let secrets = try ServerSecrets.load(dataDirectory: configuration.dataDirectory, configuredAdminToken: configuration.adminToken)
        if secrets.adminTokenIsNew {
            print(
                """
                A platform admin token was generated and saved in \(configuration.dataDirectory)/\(ServerSecrets.adminTokenFile) (readable by you only):

                    \(secrets.adminToken)

                Use it as `Authorization: Bearer <token>` to create organisations. Set MUSTER_ADMIN_TOKEN to choose your own instead.
                """
            )
            fflush(nil)
        }
        let parts = try makeParts(
            configuration: configuration,
            adminToken: secrets.adminToken,
            source: .durable(secret: secrets.signingKey, hasher: PasswordHasher(), clock: SystemWallClock()),
            clock: SystemWallClock(),
            logger: logger
        )
        return parts.application
    }

    /// The pieces of a server, for tests: the application and what its services work on.
    struct Parts: Sendable {
        var application: Application<RouterResponder<MusterRequestContext>>
        var slot: EngineSlot
        var outbox: MailOutbox
        var outboxService: OutboxService
        var webhooks: WebhookRegistry
        var sweep: SweepService
        var metrics: ServerMetrics
        /// Every route as `METHOD /path/{parameter}`, as the router has them.
        var routeTable: [String]
    }

    /// Assembles a server on `source`, with durable outbox and idempotency journals when
    /// `configuration.dataDirectory` is set.
    static func makeParts(
        configuration: ServerConfiguration,
        adminToken: String,
        source: EngineSource,
        clock: any WallClock,
        logger: Logger,
        transport: (any MailTransport)? = nil,
        durableJournals: Bool = true,
        outbox clusterOutbox: MailOutbox? = nil,
        cluster: ClusterRuntime? = nil,
        metrics: ServerMetrics = ServerMetrics()
    ) throws -> Parts {
        let slot = EngineSlot()
        let outbox: MailOutbox
        let idempotency: IdempotencyStore
        let webhooks: WebhookRegistry
        if let clusterOutbox, let cluster {
            // A node of a cluster: the outbox's cursor, the idempotency answers and webhook
            // progress are in the database, for whichever node leads.
            try PosixFileSystem().createDirectory(configuration.dataDirectory)
            outbox = clusterOutbox
            idempotency = IdempotencyStore(shared: ClusterAnswers(store: cluster.node.store))
            webhooks = WebhookRegistry(shared: ClusterWebhookProgress(node: cluster.node), retry: configuration.webhookRetry)
        } else if durableJournals {
            try PosixFileSystem().createDirectory(configuration.dataDirectory)
            outbox = try MailOutbox(cursorPath: "\(configuration.dataDirectory)/outbox.cursor")
            idempotency = try IdempotencyStore(path: "\(configuration.dataDirectory)/idempotency.journal", now: clock.now())
            webhooks = try WebhookRegistry(path: "\(configuration.dataDirectory)/webhooks.journal", retry: configuration.webhookRetry)
        } else {
            outbox = MailOutbox()
            idempotency = IdempotencyStore()
            webhooks = WebhookRegistry(retry: configuration.webhookRetry)
        }

        // One set of sign-in limits for the API and the console alike.
        let throttle = SignInThrottle(limits: configuration.signInLimits)
        let router = Router(context: MusterRequestContext.self)
        // Outermost, so that the request's span covers everything after it, and the request
        // log line below carries its trace id.
        // A link's token is a secret and an address is personal: neither goes in a span.
        if configuration.tracing { router.add(middleware: TracingMiddleware(redactingQueryParameters: ["token", "email", "q"])) }
        if logger.logLevel <= .debug { router.add(middleware: RequestLogMiddleware()) }
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: ProblemMiddleware(logger: logger))
        if let cluster {
            router.add(
                middleware: ClusterMiddleware(
                    cluster: cluster,
                    maxBodyBytes: configuration.maxBodyBytes,
                    forwardTimeout: .milliseconds(configuration.requestTimeout.milliseconds)
                )
            )
        }
        router.add(
            middleware: AuthenticationMiddleware(slot: slot, adminTokenDigest: SecretDigest(of: adminToken), maxBodyBytes: configuration.maxBodyBytes)
        )
        let routes = APIRoutes(
            slot: slot,
            clock: clock,
            outbox: outbox,
            webhooks: webhooks,
            idempotency: idempotency,
            metrics: metrics,
            configuration: configuration,
            throttle: throttle,
            cluster: cluster,
            longPolls: LongPollGate(total: configuration.maximumLongPolls, perCaller: configuration.maximumLongPollsPerCaller),
            logger: logger
        )
        routes.register(on: router)
        WebRoutes(
            slot: slot,
            policy: configuration.policy,
            webhooks: webhooks,
            destinations: configuration.webhookDestinations,
            throttle: throttle,
            appURL: configuration.appURL,
            publicBaseURL: configuration.publicBaseURL,
            maxBodyBytes: configuration.maxBodyBytes
        ).register(on: router)

        let templates: MailTemplateLibrary
        do {
            templates = try MailTemplateLibrary(overrides: configuration.mailTemplatesDirectory)
        } catch {
            throw ServerSetupError(error.description)
        }
        let outboxService = OutboxService(
            outbox: outbox,
            transport: transport ?? configuration.mailTransport,
            slot: slot,
            renderer: MailRenderer(
                linkBase: configuration.linkBase,
                signInLinkLifetime: configuration.policy.signInLinkLifetime,
                templates: templates,
                defaultLocale: configuration.policy.defaultLocale
            ),
            clock: clock,
            logger: logger,
            metrics: metrics.delivery
        )
        let sweep = SweepService(
            slot: slot,
            idempotency: idempotency,
            interval: configuration.sweepInterval,
            clock: clock,
            metrics: metrics,
            logger: logger
        )
        // Retries and signatures run on real time, whatever clock the rules are given: a
        // receiver checks the signature's timestamp against its own clock.
        let webhookService = WebhookService(
            registry: webhooks,
            slot: slot,
            clock: SystemWallClock(),
            metrics: metrics.delivery,
            logger: logger,
            destinations: configuration.webhookDestinations
        )
        let keyUsage = KeyUsageService(
            slot: slot,
            path: durableJournals ? "\(configuration.dataDirectory)/api-key-usage" : nil,
            interval: .seconds(30),
            logger: logger
        )
        let engineService = EngineService(
            source: source,
            slot: slot,
            configuration: configuration,
            idempotency: idempotency,
            registerFollowers: { [outbox, webhooks, logger] log in
                if await outbox.rewind(toLogEnd: log.durablePosition) {
                    logger.warning(
                        "the outbox's cursor stood past the end of the log; it goes on from the end",
                        metadata: ["end": "\(log.durablePosition)"]
                    )
                }
                log.follower("outbox", consumedThrough: await outbox.cursor)
                await webhooks.registerFollowers(on: log)
            },
            adoptShared: { [webhooks] log in
                try await webhooks.adoptShared()
                await webhooks.registerFollowers(on: log)
            },
            metrics: metrics,
            logger: logger
        )
        // Services stop in reverse order: the HTTP server (added last by Hummingbird) drains
        // first, then the outbox and the sweep, and the engine — which syncs the log — last.
        let idle = TimeAmount.milliseconds(configuration.idleTimeout.milliseconds)
        let body = TimeAmount.milliseconds(configuration.requestTimeout.milliseconds)
        let application = Application(
            router: router,
            server: .http1(
                configuration: .init(additionalChannelHandlers: [RequestDeadlineHandler(headTimeout: idle, bodyTimeout: body)], idleTimeout: idle)
            ),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Muster"),
            services: [engineService, outboxService, webhookService, sweep, keyUsage],
            logger: logger
        )
        return Parts(
            application: application,
            slot: slot,
            outbox: outbox,
            outboxService: outboxService,
            webhooks: webhooks,
            sweep: sweep,
            metrics: metrics,
            routeTable: router.routes.map { "\($0.method.rawValue) \($0.path)" }
        )
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
