import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MusterDomain
import MusterEngine
import MusterSecurity
import NIOCore
import Synchronization
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

/// A transport that keeps every email in memory, once per message id.
final class RecordingTransport: MailTransport {
    private let messages = Mutex<[String: MailMessage]>([:])
    private let order = Mutex<[String]>([])
    /// When set, every delivery fails with this error (to test retries).
    let failing = Mutex<Bool>(false)

    struct Refused: Error {}

    func deliver(_ message: MailMessage) async throws {
        if failing.withLock({ $0 }) { throw Refused() }
        let isNew = messages.withLock { table in
            defer { table[message.id] = message }
            return table[message.id] == nil
        }
        if isNew { order.withLock { $0.append(message.id) } }
    }

    /// Every message delivered so far, in order.
    var delivered: [MailMessage] {
        let ids = order.withLock { $0 }
        return messages.withLock { table in ids.compactMap { table[$0] } }
    }
}

/// A server over an in-memory engine and a manual clock, driven through Hummingbird's router
/// test client, with shortcuts to people and their tokens.
struct ServerFixture: Sendable {
    let clock = ManualClock()
    let engine: MusterEngine
    let parts: MusterServer.Parts
    let transport = RecordingTransport()
    static let adminToken = "test-admin-token-0123456789abcdef"

    init(
        policy: Policy = Policy(),
        maxBodyBytes: Int = ServerConfiguration.defaultMaxBodyBytes,
        passwordRounds: Int = 1_000,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) throws {
        engine = MusterEngine(
            policy: policy,
            secret: Array(repeating: 7, count: 32),
            sink: InMemoryEventSink(),
            clock: clock,
            hasher: PasswordHasher(rounds: passwordRounds)
        )
        var configuration = ServerConfiguration()
        configuration.publicBaseURL = "https://app.example.org/"
        configuration.maxBodyBytes = maxBodyBytes
        configuration.policy = policy
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        parts = try MusterServer.makeParts(
            configuration: configuration,
            adminToken: Self.adminToken,
            source: .ready(engine),
            clock: clock,
            logger: logger,
            transport: transport,
            durableJournals: false
        )
    }

    /// Runs `body` against the server listening on a real socket, with its port.
    func runLive(_ body: @Sendable (API, Int) async throws -> Void) async throws {
        try await parts.application.test(.live) { client in
            try await body(API(client: client, fixture: self), try #require(client.port))
        }
    }

    /// Runs `body` against the server.
    func run(_ body: @Sendable (API) async throws -> Void) async throws {
        try await parts.application.test(.router) { client in
            try await body(API(client: client, fixture: self))
        }
    }
}

/// The answer to one request.
struct Reply: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    /// The body as JSON (`.null` when it is empty or not JSON).
    var json: JSONValue { (try? JSONValue.parse(body)) ?? .null }
    /// The problem's `code`, for refusals.
    var code: String? { json["code"]?.string }
}

/// A caller: the admin, a session or an API key; `nil` sends no credentials.
typealias Token = String

/// The test client with JSON shortcuts.
struct API: Sendable {
    let client: any TestClientProtocol
    let fixture: ServerFixture

    var admin: Token { ServerFixture.adminToken }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method,
        _ path: String,
        token: Token? = nil,
        json: String? = nil,
        headers extra: [String: String] = [:]
    ) async throws
        -> Reply
    {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let reply = try await client.execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: response.body))
        }
        Self.expectDocumented(reply, method.rawValue, path)
        return reply
    }

    /// Holds every answer the suites see to the contract: its status must be one the OpenAPI
    /// document lists for the operation, so an undocumented refusal fails whichever test meets it.
    static func expectDocumented(_ reply: Reply, _ method: String, _ path: String) {
        guard let operation = APIContract.operation(method, servingPath: path) else { return }
        #expect(
            operation.statuses[reply.status] != nil,
            "\(method) \(operation.path) answered \(reply.status) \(reply.code ?? ""), which the OpenAPI document does not list"
        )
    }

    func get(_ path: String, token: Token? = nil) async throws -> Reply {
        try await call(.get, path, token: token)
    }

    @discardableResult
    func post(_ path: String, token: Token? = nil, _ json: String = "{}", headers: [String: String] = [:]) async throws -> Reply {
        try await call(.post, path, token: token, json: json, headers: headers)
    }

    /// Creates an org as the platform admin and returns its id.
    func org(_ name: String = "Riverside Housing") async throws -> String {
        let reply = try await post("/v1/orgs", token: admin, #"{"name": "\#(name)"}"#)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply.json["id"]?.string)
    }

    /// Invites and accepts `email` into `org` with `role`; returns the session token and user id.
    func member(_ org: String, _ email: String, role: String) async throws -> (token: Token, userID: String) {
        let before = mailCount(to: email)
        let invite = try await post("/v1/orgs/\(org)/invitations", token: admin, #"{"email": "\#(email)", "role": "\#(role)"}"#)
        #expect(invite.status == 201, "\(invite.text)")
        let link = try await linkToken(to: email, after: before)
        let accepted = try await post("/v1/invitations/accept", #"{"token": "\#(link)"}"#)
        #expect(accepted.status == 200, "\(accepted.text)")
        return (try #require(accepted.json["session_token"]?.string), try #require(accepted.json["user"]?["id"]?.string))
    }

    /// A tenant of `org`; returns its id.
    func tenant(_ org: String, _ name: String = "Jo Tenant") async throws -> String {
        let reply = try await post("/v1/orgs/\(org)/tenants", token: admin, #"{"name": "\#(name)"}"#)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply.json["id"]?.string)
    }

    /// Invites a collaborator in `mode` and signs them in through their link; returns their
    /// session token and the collaborator row's id.
    func collaborator(_ org: String, tenant: String, _ email: String, mode: String = "full") async throws -> (token: Token, id: String) {
        let before = mailCount(to: email)
        let invite = try await post(
            "/v1/orgs/\(org)/tenants/\(tenant)/collaborators",
            token: admin,
            #"{"mode": "\#(mode)", "email": "\#(email)", "full_name": "Sam Worker"}"#
        )
        #expect(invite.status == 201, "\(invite.text)")
        let link = try await linkToken(to: email, after: before)
        let verified = try await post("/v1/auth/verify", #"{"token": "\#(link)"}"#)
        #expect(verified.status == 200, "\(verified.text)")
        return (try #require(verified.json["session_token"]?.string), try #require(invite.json["id"]?.string))
    }

    /// An org API key's secret.
    func apiKey(_ org: String, role: String = "org_admin") async throws -> Token {
        let reply = try await post("/v1/orgs/\(org)/api-keys", token: admin, #"{"name": "backend", "role": "\#(role)"}"#)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply.json["secret"]?.string)
    }

    /// Delivers the outbox and returns the newest email to `email`.
    func mail(to email: String) async throws -> MailMessage {
        for _ in 0..<100 {
            await fixture.parts.outboxService.deliverDue()
            if let message = fixture.transport.delivered.last(where: { $0.to == email.lowercased() }) { return message }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw MissingMail(email: email)
    }

    /// How many emails to `email` have been delivered so far.
    func mailCount(to email: String) -> Int {
        fixture.transport.delivered.filter { $0.to == email.lowercased() }.count
    }

    /// The token of the newest link emailed to `email`; with `after`, of an email delivered
    /// after that many had been (so a person's second link is never mistaken for the first).
    func linkToken(to email: String, after count: Int? = nil) async throws -> String {
        if let count {
            for _ in 0..<200 where mailCount(to: email) <= count {
                await fixture.parts.outboxService.deliverDue()
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        let message = try await mail(to: email)
        let text = message.text
        guard let range = text.range(of: "?token=") else { throw MissingMail(email: email) }
        return String(text[range.upperBound...].prefix { !$0.isWhitespace })
    }

    struct MissingMail: Error {
        var email: String
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields[key]
    }

    subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    var string: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    var int: Int? {
        guard case .number(let number) = self else { return nil }
        return Int(number)
    }

    var bool: Bool? {
        guard case .bool(let flag) = self else { return nil }
        return flag
    }

    var array: [JSONValue] {
        guard case .array(let items) = self else { return [] }
        return items
    }

    var isNull: Bool { self == .null }
}

/// The `.eml` files under a mail folder, as paths relative to it (`<day>/<id>.eml`), sorted.
func emailFiles(in folder: String) throws -> [String] {
    guard FileManager.default.fileExists(atPath: folder) else { return [] }
    return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().flatMap { day in
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: folder + "/" + day, isDirectory: &isDirectory)
        guard isDirectory.boolValue else { return [String]() }
        return try FileManager.default.contentsOfDirectory(atPath: folder + "/" + day).filter { $0.hasSuffix(".eml") }.sorted().map { day + "/" + $0 }
    }
}
