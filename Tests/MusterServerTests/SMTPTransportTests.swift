import Foundation
import HummingbirdTesting
import Logging
import MusterDomain
import MusterEngine
import MusterSecurity
import MusterTestSupport
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

/// A real SMTP server (Python's aiosmtpd, `Fixtures/smtp_server.py`) on loopback, for one test.
private final class SMTPTestServer: Sendable {
    let port: Int
    let maildir: String
    private let process: Process

    /// Starts the server in `mode` (accept, refuse-temporary, refuse-permanent, silent).
    init(mode: String, tls: (cert: String, key: String)? = nil, credentials: String? = nil) throws {
        maildir = NSTemporaryDirectory() + "muster-smtp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: maildir, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/smtp_server.py").path
        var arguments = [script, mode, maildir]
        if let tls { arguments += ["--tls", tls.cert, tls.key] }
        if let credentials { arguments += ["--auth", credentials] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        // The first line is "PORT <n>" once it listens.
        var line = [UInt8]()
        while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw SetupFailure(description: "the SMTP test server did not start (is aiosmtpd installed? `pip install aiosmtpd`); it said \"\(text)\"")
        }
        self.port = port
    }

    struct SetupFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The messages it accepted, as text.
    var messages: [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: maildir)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return names.compactMap { try? String(contentsOfFile: maildir + "/" + $0, encoding: .utf8) }
    }

    func stop() {
        // SIGKILL: the test process ignores SIGTERM for its own signal handling, and a child
        // inherits ignored signals.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: maildir)
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1, made with the openssl command.
private func selfSignedCertificate() throws -> (cert: String, key: String, folder: String) {
    let folder = NSTemporaryDirectory() + "muster-tls-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder + "/key.pem", "-out", folder + "/cert.pem", "-days", "1",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return (folder + "/cert.pem", folder + "/key.pem", folder)
}

private func message(to address: String) -> MailMessage {
    MailMessage(
        id: UUID().uuidString.lowercased(),
        kind: "invitation",
        to: address,
        subject: "You are invited",
        text: "Hello,\n.a line that starts with a dot\nhttps://app.example.org/invitations/accept?token=abc\n",
        queuedAt: 1_767_225_600_000
    )
}

/// An outbox in memory delivering through `transport`.
private func makeOutbox(over transport: any MailTransport) -> (MailOutbox, OutboxService) {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let outbox = MailOutbox()
    // No engine in the slot: the service delivers what the test queues, with no log to follow.
    let service = OutboxService(
        outbox: outbox,
        transport: transport,
        slot: EngineSlot(),
        renderer: MailRenderer(linkBase: "https://app.example.org", signInLinkLifetime: .minutes(15)),
        clock: ManualClock(),
        logger: logger,
        metrics: ServerMetrics().delivery
    )
    return (outbox, service)
}

@Suite("SMTP delivery to a real SMTP server")
struct SMTPTransportTests {
    @Test("An invitation's email goes out over SMTP with authentication, and its link accepts")
    func invitationTravelsOverSMTP() async throws {
        let server = try SMTPTestServer(mode: "accept", credentials: "muster:s3cret")
        defer { server.stop() }
        var configuration = ServerConfiguration()
        configuration.publicBaseURL = "https://app.example.org"
        configuration.smtp = SMTPSettings(host: "127.0.0.1", port: server.port, security: .none, username: "muster", password: "s3cret")
        // A relay on the same host: the operator allows the password without TLS explicitly.
        configuration.smtp?.allowPlaintextAuth = true
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let engine = MusterEngine(
            secret: Array(repeating: 7, count: 32),
            sink: InMemoryEventSink(),
            clock: ManualClock(),
            hasher: PasswordHasher(rounds: 1_000)
        )
        let parts = try MusterServer.makeParts(
            configuration: configuration,
            adminToken: ServerFixture.adminToken,
            source: .ready(engine),
            clock: ManualClock(),
            logger: logger,
            durableJournals: false
        )
        try await parts.application.test(.router) { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = try await api.org()
            #expect(
                try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "pat@example.org", "role": "viewer"}"#).status == 201
            )
            for _ in 0..<200 where server.messages.isEmpty {
                await parts.outboxService.deliverDue()
                try await Task.sleep(for: .milliseconds(10))
            }
            let mail = try #require(server.messages.first)
            #expect(mail.contains("X-Envelope-To: pat@example.org"))
            #expect(mail.contains("X-Authenticated: muster"))
            #expect(mail.contains("X-Envelope-From: no-reply@muster.invalid"))
            // The body is quoted-printable, as a mail reader reads it.
            let body = QuotedPrintable.decoded(mail)
            let range = try #require(body.range(of: "?token="))
            let token = String(body[range.upperBound...].prefix { !$0.isWhitespace })
            #expect(try await api.post("/v1/invitations/accept", #"{"token": "\#(token)"}"#).status == 200)
            let state = try await api.get("/v1/outbox", token: api.admin)
            #expect(state.json["delivered"]?.int == 1)
            #expect(state.json["pending"]?.int == 0)
        }
    }

    @Test("STARTTLS with a private CA and authentication delivers, with the message intact")
    func startTLSWithAuthenticationDelivers() async throws {
        let certificate = try selfSignedCertificate()
        defer { try? FileManager.default.removeItem(atPath: certificate.folder) }
        let server = try SMTPTestServer(mode: "accept", tls: (certificate.cert, certificate.key), credentials: "muster:s3cret")
        defer { server.stop() }
        let settings = SMTPSettings(
            host: "localhost",
            port: server.port,
            security: .startTLS,
            username: "muster",
            password: "s3cret",
            caFile: certificate.cert
        )
        let (outbox, service) = makeOutbox(over: SMTPMailTransport(settings: settings, sender: "Muster <no-reply@example.org>"))
        try await outbox.enqueue([message(to: "a@example.org"), message(to: "b@example.org")], through: 0)
        #expect(await service.deliverDue() == 2)
        #expect(server.messages.count == 2)
        let mail = try #require(server.messages.first)
        #expect(mail.contains("Subject: You are invited"))
        #expect(mail.contains("\n.a line that starts with a dot"), "dot-stuffing is undone by the server")
        #expect(mail.contains("X-Authenticated: muster"))

        // The same server with a wrong password: refused, kept, retried later — not given up.
        var wrong = settings
        wrong.password = "guess"
        let (kept, retrying) = makeOutbox(over: SMTPMailTransport(settings: wrong, sender: "Muster <no-reply@example.org>"))
        try await kept.enqueue([message(to: "c@example.org")], through: 0)
        #expect(await retrying.deliverDue() == 0)
        let pending = await kept.pendingItems()
        #expect(pending.count == 1 && pending.first?.attempts == 1)
        #expect(pending.first?.lastError?.contains("535") == true, "\(pending.first?.lastError ?? "")")
    }

    @Test("A server without STARTTLS is refused when the settings require it, and nothing is sent in the clear")
    func missingStartTLSIsRefused() async throws {
        let server = try SMTPTestServer(mode: "accept")
        defer { server.stop() }
        let settings = SMTPSettings(host: "127.0.0.1", port: server.port, security: .startTLS)
        let (outbox, service) = makeOutbox(over: SMTPMailTransport(settings: settings, sender: "Muster <no-reply@example.org>"))
        try await outbox.enqueue([message(to: "a@example.org")], through: 0)
        #expect(await service.deliverDue() == 0)
        #expect(server.messages.isEmpty)
        #expect(await outbox.pendingItems().first?.lastError?.contains("STARTTLS") == true)
    }

    @Test("The SMTP password is never sent without TLS unless the operator allows it")
    func noPlaintextAuthUnlessAllowed() async throws {
        let server = try SMTPTestServer(mode: "accept", credentials: "muster:s3cret")
        defer { server.stop() }
        let settings = SMTPSettings(host: "127.0.0.1", port: server.port, security: .none, username: "muster", password: "s3cret")
        let (outbox, service) = makeOutbox(over: SMTPMailTransport(settings: settings, sender: "no-reply@example.org"))
        try await outbox.enqueue([message(to: "a@example.org")], through: 0)
        #expect(await service.deliverDue() == 0)
        let pending = await outbox.pendingItems()
        #expect(pending.first?.lastError?.contains("without TLS") == true, "\(pending.first?.lastError ?? "")")
        #expect(server.messages.isEmpty)
    }

    @Test("Replies slipped in behind the STARTTLS answer, before the handshake, are refused rather than believed")
    func startTLSInjectionIsRefused() async throws {
        let server = try SMTPTestServer(mode: "starttls-inject")
        defer { server.stop() }
        var settings = SMTPSettings(host: "127.0.0.1", port: server.port, security: .startTLS, username: "muster", password: "s3cret")
        // Generous: the refusal comes at once, but a loaded machine may be slow to carry the exchange.
        settings.timeout = .seconds(30)
        let (outbox, service) = makeOutbox(over: SMTPMailTransport(settings: settings, sender: "no-reply@example.org"))
        try await outbox.enqueue([message(to: "a@example.org")], through: 0)
        #expect(await service.deliverDue() == 0)
        let pending = await outbox.pendingItems()
        #expect(pending.first?.lastError?.contains("before TLS") == true, "\(pending.first?.lastError ?? "")")
    }

    @Test("A temporary refusal (4xx) is retried with backoff; a permanent one (5xx) is given up at once")
    func refusalsAreRetriedOrGivenUp() async throws {
        let temporary = try SMTPTestServer(mode: "refuse-temporary")
        defer { temporary.stop() }
        let (outbox, service) = makeOutbox(
            over: SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: temporary.port, security: .none), sender: "no-reply@example.org")
        )
        try await outbox.enqueue([message(to: "a@example.org"), message(to: "b@example.org")], through: 0)
        #expect(await service.deliverDue() == 0)
        let pending = await outbox.pendingItems()
        #expect(pending.count == 2)
        #expect(
            pending.allSatisfy {
                $0.attempts == 1 && $0.lastError?.contains("451") == true && $0.nextAttemptAt.millisecondsSinceEpoch > 1_767_225_600_000
            }
        )
        #expect(await outbox.currentCounts().abandoned == 0)
        // Not due again until the backoff has passed.
        #expect(await service.deliverDue() == 0)
        #expect(await outbox.pendingItems().allSatisfy { $0.attempts == 1 })

        let permanent = try SMTPTestServer(mode: "refuse-permanent")
        defer { permanent.stop() }
        let (refused, refusing) = makeOutbox(
            over: SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: permanent.port, security: .none), sender: "no-reply@example.org")
        )
        try await refused.enqueue([message(to: "nobody@example.org")], through: 0)
        #expect(await refusing.deliverDue() == 0)
        #expect(await refused.pendingItems().isEmpty)
        #expect(await refused.currentCounts().abandoned == 1)
        #expect(await refused.recentlyAbandoned().first?.error.contains("550") == true)
    }

    @Test("A server that never answers times out, and the email stays queued for a retry")
    func silentServerTimesOut() async throws {
        let server = try SMTPTestServer(mode: "silent")
        defer { server.stop() }
        var settings = SMTPSettings(host: "127.0.0.1", port: server.port, security: .none)
        settings.timeout = .milliseconds(500)
        let (outbox, service) = makeOutbox(over: SMTPMailTransport(settings: settings, sender: "no-reply@example.org"))
        try await outbox.enqueue([message(to: "a@example.org")], through: 0)
        // The silent server never answers: without the timeout this call would never return,
        // and the error below says it was the timeout that ended it (no wall-clock bound, which a
        // loaded machine could miss).
        #expect(await service.deliverDue() == 0)
        let pending = await outbox.pendingItems()
        #expect(pending.first?.attempts == 1)
        #expect(pending.first?.lastError?.contains("did not answer") == true, "\(pending.first?.lastError ?? "")")
    }
}
