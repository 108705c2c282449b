import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Delivers the outbox's emails to an SMTP server (RFC 5321): plain, STARTTLS or implicit TLS,
/// with AUTH PLAIN or LOGIN, one connection per batch.
///
/// A message the server refuses with a 5xx reply is refused for good (``SMTPError/isPermanent``)
/// and the outbox gives it up at once; a 4xx, a timeout, a lost connection or a failed sign-in
/// is temporary and retried with the outbox's backoff.
package struct SMTPMailTransport: MailTransport {
    package let settings: SMTPSettings
    /// The `From:` header of every email, for example `Muster <no-reply@example.org>`.
    package let sender: String

    /// Creates one from its parts.
    package init(settings: SMTPSettings, sender: String) {
        self.settings = settings
        self.sender = sender
    }

    package func deliver(_ message: MailMessage) async throws {
        if let failure = await deliver(batch: [message])[message.id] { throw failure }
    }

    package func deliver(batch: [MailMessage]) async -> [String: any Error] {
        var failures = [String: any Error]()
        var delivered = Set<String>()
        do {
            let tls = try settings.tlsContext()
            let boundary = PlaintextBoundary()
            let channel = try await SMTPSession.connect(settings, tls: tls, boundary: boundary)
            try await channel.executeThenClose { inbound, outbound in
                var session = SMTPSession(
                    channel: channel.channel,
                    replies: inbound.makeAsyncIterator(),
                    outbound: outbound,
                    settings: settings,
                    boundary: boundary
                )
                try await session.greet(tls: tls)
                for message in batch {
                    do {
                        try await session.send(message, from: sender, envelopeSender: Self.address(of: sender))
                        delivered.insert(message.id)
                    } catch let error as SMTPError where error.isReply {
                        // The server refused this message; the session goes on with the next.
                        failures[message.id] = error
                        try await session.reset()
                    }
                }
                await session.quit()
            }
        } catch {
            for message in batch where failures[message.id] == nil && !delivered.contains(message.id) { failures[message.id] = error }
        }
        return failures
    }

    /// The address inside `Name <address>`, or the text itself.
    package static func address(of mailbox: String) -> String {
        guard let open = mailbox.lastIndex(of: "<"), let close = mailbox.lastIndex(of: ">"), open < close else { return mailbox }
        return String(mailbox[mailbox.index(after: open)..<close])
    }
}

/// Where and how to reach the SMTP server.
public struct SMTPSettings: Sendable, CustomStringConvertible {
    /// How the connection is protected.
    public enum Security: String, Sendable, CaseIterable {
        /// No TLS (a relay on the same host or network).
        case none
        /// Plain connection upgraded with STARTTLS before anything else is said; refuses a
        /// server that does not offer it.
        case startTLS = "starttls"
        /// TLS from the first byte (port 465).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// A PEM file of certificates to trust instead of the system's (a private CA).
    public var caFile: String?
    /// The name this server gives in `EHLO`.
    public var heloName = "muster.localdomain"
    /// How long connecting, and waiting for each reply, may take.
    public var timeout: Duration = .seconds(30)
    /// Whether `AUTH` may be sent over a connection without TLS (`security: .none`), where
    /// anyone on the path reads the password. Off unless the operator says so.
    public var allowPlaintextAuth = false

    /// The server and how it is reached, without the password: what may go in a log line.
    public var description: String {
        "smtp://\(username.map { "\($0)@" } ?? "")\(host):\(port) (\(security.rawValue)\(password == nil ? "" : ", with a password"))"
    }

    /// Settings for `host:port`.
    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, caFile: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
    }

    func tlsContext() throws -> NIOSSLContext? {
        guard security != .none else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile { configuration.trustRoots = .file(caFile) }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// Why an SMTP delivery failed.
struct SMTPError: Error, CustomStringConvertible {
    package var description: String
    /// The server's reply code, when it answered.
    package var code: Int?
    /// Whether the server refused the message itself (a reply to MAIL, RCPT or DATA), as
    /// opposed to the session failing.
    var isReply = false

    /// A 5xx refusal of the message: retrying will not help.
    var isPermanent: Bool { isReply && (code ?? 0) >= 500 }
}

/// One SMTP session over SwiftNIO: each command is written, then its (possibly multi-line)
/// reply read, with a deadline that closes the connection when the server is silent.
private struct SMTPSession {
    package let channel: any Channel
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    package let settings: SMTPSettings
    let boundary: PlaintextBoundary

    /// Connects, with TLS from the first byte when the settings say so.
    package static func connect(
        _ settings: SMTPSettings,
        tls: NIOSSLContext?,
        boundary: PlaintextBoundary
    ) async throws -> NIOAsyncChannel<
        SMTPReply, ByteBuffer
    > {
        let implicitTLS = settings.security == .tls ? tls : nil
        let host = settings.host
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(settings.timeout))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: SMTPSession.serverName(host))
                        )
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder(boundary: boundary)))
                    return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// SNI and certificate checks take a host name; an IP address is checked as an address.
    package static func serverName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }

    /// Reads the greeting, says EHLO, upgrades with STARTTLS when asked, and signs in.
    mutating func greet(tls: NIOSSLContext?) async throws {
        try await expect(reply(), 220, during: "the greeting")
        var capabilities = try await ehlo()
        if settings.security == .startTLS, let tls {
            guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                throw SMTPError(description: "the SMTP server does not offer STARTTLS, which the settings require")
            }
            // Nothing the server sends after its 220 and before the handshake is believed: an
            // attacker on the path could otherwise slip in replies that are read as if they
            // had come over TLS.
            boundary.expectLastPlaintextReply()
            try await expect(command("STARTTLS"), 220, during: "STARTTLS")
            let handler = try NIOSSLClientHandler(context: tls, serverHostname: Self.serverName(settings.host))
            try await channel.pipeline.addHandler(handler, position: .first).get()
            boundary.tlsStarted()
            capabilities = try await ehlo()
        }
        guard let username = settings.username else { return }
        guard settings.security != .none || settings.allowPlaintextAuth else {
            throw SMTPError(
                description:
                    "refusing to send the SMTP password over a connection without TLS; use starttls or tls, or allow it explicitly (--smtp-allow-plaintext-auth)"
            )
        }
        let auth = capabilities.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").map(String.init) ?? []
        let password = settings.password ?? ""
        if auth.contains("PLAIN") || !auth.contains("LOGIN") {
            let credentials = MailMessage.base64(Array(("\0" + username + "\0" + password).utf8))
            try await expect(command("AUTH PLAIN " + credentials), 235, during: "AUTH PLAIN")
        } else {
            try await expect(command("AUTH LOGIN"), 334, during: "AUTH LOGIN")
            try await expect(command(MailMessage.base64(Array(username.utf8))), 334, during: "AUTH LOGIN")
            try await expect(command(MailMessage.base64(Array(password.utf8))), 235, during: "AUTH LOGIN")
        }
    }

    /// MAIL, RCPT, DATA and the message, dot-stuffed.
    package mutating func send(_ message: MailMessage, from sender: String, envelopeSender: String) async throws {
        try await expect(command("MAIL FROM:<\(envelopeSender)>"), 250, during: "MAIL FROM", isMessageReply: true)
        let recipient = try await command("RCPT TO:<\(message.to)>")
        guard recipient.code == 250 || recipient.code == 251 else { throw refusal(recipient, during: "RCPT TO", isMessageReply: true) }
        try await expect(command("DATA"), 354, during: "DATA", isMessageReply: true)
        var text = ""
        for line in message.rfc5322(from: sender).split(separator: "\r\n", omittingEmptySubsequences: false).dropLast() {
            text += (line.hasPrefix(".") ? "." : "") + line + "\r\n"
        }
        try await expect(command(text + "."), 250, during: "the message", isMessageReply: true)
    }

    package mutating func reset() async throws {
        try await expect(command("RSET"), 250, during: "RSET")
    }

    mutating func quit() async {
        _ = try? await command("QUIT")
    }

    private mutating func ehlo() async throws -> [String] {
        let reply = try await command("EHLO \(settings.heloName)")
        try expect(reply, 250, during: "EHLO")
        return Array(reply.lines.dropFirst())
    }

    /// Writes one command line and reads its reply.
    private mutating func command(_ line: String) async throws -> SMTPReply {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
        return try await reply()
    }

    /// The next reply, or a timeout that closes the connection.
    private mutating func reply() async throws -> SMTPReply {
        let timedOut = TimeoutFlag()
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(settings.timeout)) { [channel] in
            timedOut.fired.withLock { $0 = true }
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        let silence = SMTPError(description: "the SMTP server did not answer within \(settings.timeout)")
        do {
            guard let reply = try await replies.next() else {
                throw timedOut.fired.withLock({ $0 }) ? silence : SMTPError(description: "the SMTP server closed the connection")
            }
            return reply
        } catch let error as SMTPError {
            throw error
        } catch {
            if timedOut.fired.withLock({ $0 }) { throw silence }
            throw error
        }
    }

    private func expect(_ reply: SMTPReply, _ code: Int, during step: String, isMessageReply: Bool = false) throws {
        guard reply.code == code else { throw refusal(reply, during: step, isMessageReply: isMessageReply) }
    }

    private func refusal(_ reply: SMTPReply, during step: String, isMessageReply: Bool) -> SMTPError {
        SMTPError(description: "SMTP \(step): \(reply.code) \(reply.lines.joined(separator: " "))", code: reply.code, isReply: isMessageReply)
    }
}

/// Set by a reply's deadline when it closed the connection.
private final class TimeoutFlag: Sendable {
    let fired = Mutex(false)
}

extension TimeAmount {
    /// The same length as `duration`.
    package init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// One SMTP reply: its code and the text of each line.
struct SMTPReply: Sendable {
    package var code: Int
    package var lines: [String]
}

/// Where a STARTTLS session stands between plain text and TLS: after the server's reply to
/// STARTTLS, any further plain byte is an attack (RFC 3207 §4.2: discard what came before the
/// handshake), so the decoder refuses it.
final class PlaintextBoundary: Sendable {
    package enum Phase {
        /// Plain text is expected (before STARTTLS, or a session without it).
        case plaintext
        /// STARTTLS was sent: one more reply may come in plain text, and nothing after it.
        case awaitingLastPlaintextReply
        /// The reply came; any plain byte now is refused until TLS is in place.
        case closed
        /// TLS is in place; what the decoder sees was decrypted.
        case tls
    }

    package let phase = Mutex(Phase.plaintext)

    func expectLastPlaintextReply() { phase.withLock { $0 = .awaitingLastPlaintextReply } }
    func tlsStarted() { phase.withLock { $0 = .tls } }
}

/// Splits the server's bytes into replies: lines of `NNN-text` continue, `NNN text` ends one.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    package typealias InboundOut = SMTPReply
    private var lines: [String] = []
    let boundary: PlaintextBoundary

    package init(boundary: PlaintextBoundary = PlaintextBoundary()) {
        self.boundary = boundary
    }

    package mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if boundary.phase.withLock({ $0 }) == .closed, buffer.readableBytes > 0 {
            throw SMTPError(description: "the SMTP server sent data after its STARTTLS reply and before TLS; refusing it (possible injection)")
        }
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 4096 { throw SMTPError(description: "the SMTP server sent a line longer than 4096 bytes") }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex + 1
        var utf8 = buffer.readBytes(length: length) ?? []
        // Lines end in CRLF (RFC 5321); a bare LF is tolerated.
        while let last = utf8.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { utf8.removeLast() }
        let line = String(decoding: utf8, as: UTF8.self)
        guard utf8.count >= 3, let code = Int(String(decoding: utf8[0..<3], as: UTF8.self)) else {
            throw SMTPError(description: "the SMTP server sent something that is not a reply: \(line.prefix(80))")
        }
        lines.append(utf8.count > 4 ? String(decoding: utf8[4...], as: UTF8.self) : "")
        if utf8.count > 3, utf8[3] == UInt8(ascii: "-") { return .continue }
        let wasLastPlaintextReply = boundary.phase.withLock { phase in
            guard phase == .awaitingLastPlaintextReply else { return false }
            phase = .closed
            return true
        }
        if wasLastPlaintextReply, buffer.readableBytes > 0 {
            throw SMTPError(description: "the SMTP server sent data after its STARTTLS reply and before TLS; refusing it (possible injection)")
        }
        context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: lines)))
        lines = []
        return .continue
    }
}
