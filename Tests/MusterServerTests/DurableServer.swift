import HTTPTypes
import HummingbirdTesting
import Logging
import MusterEngine
import MusterSecurity
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

/// A server on a real data folder: the durable engine, the outbox and idempotency journals.
struct DurableServer {
    let parts: MusterServer.Parts
    let clock: ManualClock

    /// A server on `folder`. Its webhooks may go to private networks (the tests' receivers
    /// listen on loopback) unless `allowPrivateNetworks` says otherwise.
    init(
        folder: String,
        clock: ManualClock,
        transport: (any MailTransport)? = nil,
        webhookRetry: WebhookRetryPolicy = WebhookRetryPolicy(),
        allowPrivateNetworks: Bool = true,
        resolver: (any HostResolver)? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) throws {
        var configuration = ServerConfiguration()
        configuration.webhookRetry = webhookRetry
        configuration.webhookAllowPrivateNetworks = allowPrivateNetworks
        if let resolver { configuration.webhookResolver = resolver }
        configuration.dataDirectory = folder
        configuration.publicBaseURL = "https://app.example.org"
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        self.clock = clock
        parts = try MusterServer.makeParts(
            configuration: configuration,
            adminToken: ServerFixture.adminToken,
            source: .durable(secret: Array(repeating: 9, count: 32), hasher: PasswordHasher(rounds: 1_000), clock: clock),
            clock: clock,
            logger: logger,
            transport: transport
        )
    }

    func run(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await parts.application.test(.router) { client in
            // Recovery runs in the engine service; the slot says when it has finished.
            try #require(await parts.slot.readyEngine() != nil, "recovery did not finish")
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            try await body(client)
        }
    }
}
