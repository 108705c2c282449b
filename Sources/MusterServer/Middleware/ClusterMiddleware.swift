import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import MusterCluster
import MusterLog
import MusterSecurity
import MusterStorage
import NIOCore
import NIOHTTP1

/// Lets any node of a cluster take any request: a follower forwards every change to the
/// leader and relays its answer; every node holds a read until it reflects everything
/// acknowledged before the read arrived (``ClusterNode/readFence(log:patience:)``).
///
/// A request already forwarded once is never forwarded again (the leader moved while it was
/// on its way): it is refused with `503 not_leader` and `Retry-After`, as is a change that
/// reaches a follower while nobody leads.
struct ClusterMiddleware: RouterMiddleware {
    typealias Context = MusterRequestContext

    let cluster: ClusterRuntime
    let maxBodyBytes: Int
    /// How long a forwarded request may take at the leader.
    let forwardTimeout: TimeAmount

    static let forwardedBy = HTTPField.Name("Muster-Forwarded-By")!
    /// The client's address, sealed by the forwarding node (``ForwardedClientSeal``).
    static let forwardedFor = HTTPField.Name("Muster-Forwarded-For")!
    /// Paths every node answers for itself, never fenced or forwarded.
    static let local: Set<String> = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/cluster"]
    /// Headers of one connection, not of the request (RFC 9110 §7.6.1), and those the relay
    /// sets itself.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length",
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !Self.local.contains(request.uri.path) else { return try await next(request, context) }
        let node = cluster.node
        let reads =
            (request.method == .get || request.method == .head || request.method == .options || Self.isReadOnlyPost(request))
            && !Self.isLeaderOnlyRead(request)
        if reads || node.isLeader {
            if let log = cluster.log { try await node.readFence(log: log) }
            return try await next(request, vouchedFor(request, context))
        }
        let version = node.changeVersion
        let view = node.current
        if case .deposed(let reason) = view.role { throw LogError.notLeader(reason) }
        guard request.headers[Self.forwardedBy] == nil else {
            throw LogError.notLeader("the request was forwarded to a node that no longer leads")
        }
        guard let leader = view.leaderURL, view.leaderName != node.settings.nodeName else {
            throw LogError.notLeader("no node leads at the moment")
        }
        // A leader that died with the request on its way never answers: once another node
        // leads, say so at once (the client retries) rather than wait out the timeout.
        return try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await forward(request, from: context.clientAddress, to: leader) }
            group.addTask {
                // Only another leader (or none) puts the answer in doubt: a node that has just
                // started again sees its own view settle while the leader it forwarded to stays.
                var seen = version
                while !Task.isCancelled {
                    await node.waitForChange(since: seen)
                    seen = node.changeVersion
                    let now = node.current
                    if now.leaderName != view.leaderName || now.epoch != view.epoch { break }
                }
                return nil
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next(), let answer else {
                throw LogError.notLeader("the leader changed while the request was on its way; it may or may not have been carried out")
            }
            return answer
        }
    }

    /// The client that forwards: it tries a connection once (a refused connection means the
    /// leader is gone, and retrying it only delays the answer) and lives as long as the process.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(1)
        configuration.connectionPool.retryConnectionEstablishment = false
        // One connection per request in flight, as the clients' own: the default (8 to a host)
        // queued a busy follower's forwards behind each other.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1_024
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The POSTs that change nothing — access checks, which carry their questions in a body —
    /// are answered by any node.
    static func isReadOnlyPost(_ request: Request) -> Bool {
        request.method == .post && (request.uri.path.hasSuffix("/access/check") || request.uri.path.hasSuffix("/access/check/batch"))
    }

    /// `context` with the client address another node of the cluster vouched for, when the
    /// request carries a good seal; unchanged otherwise (a client's own claim is ignored).
    private func vouchedFor(_ request: Request, _ context: Context) -> Context {
        guard let sealed = request.headers[Self.forwardedFor],
            let address = cluster.forwardingSeal.open(
                sealed,
                method: request.method.rawValue,
                target: request.uri.path,
                now: Int64(Date().timeIntervalSince1970)
            ),
            let socket = try? SocketAddress(ipAddress: address, port: 0)
        else { return context }
        var context = context
        context.remoteAddress = socket
        return context
    }

    /// The request's path and query, as sealed.
    private static func target(_ request: Request) -> String {
        request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
    }

    /// Reads only the leader can answer: webhook delivery progress and history, which the
    /// leader alone keeps in memory (followers do not deliver).
    static func isLeaderOnlyRead(_ request: Request) -> Bool {
        request.uri.path.contains("/webhooks")
    }

    /// Sends `request`, taken from `client`, to the leader at `base` and relays its answer.
    private func forward(_ request: Request, from client: String?, to base: String) async throws -> Response {
        // The path and query only: the leader's address is the base, whatever the request says.
        let target = Self.target(request)
        var outgoing = HTTPClientRequest(url: base + target)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        // Headers the Connection header names belong to this hop too (RFC 9110 §7.6.1).
        let named = Set(
            request.headers[values: .connection].flatMap { $0.split(separator: ",") }.map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
        )
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) && !named.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.headers.replaceOrAdd(name: Self.forwardedBy.rawName, value: cluster.node.settings.nodeName)
        let body = try await request.body.collect(upTo: maxBodyBytes)
        // Never a client's own claim: only this node's seal, or nothing. Sealed once the body
        // is in, so a slow upload does not outlive the seal; over the path alone, which the
        // HTTP client sends as it is (a query could be spelled again on the way).
        outgoing.headers.remove(name: Self.forwardedFor.rawName)
        if let client {
            let sealed = cluster.forwardingSeal.seal(
                address: client,
                method: request.method.rawValue,
                target: request.uri.path,
                at: Int64(Date().timeIntervalSince1970)
            )
            outgoing.headers.add(name: Self.forwardedFor.rawName, value: sealed)
        }
        if body.readableBytes > 0 { outgoing.body = .bytes(body) }
        let answer: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            answer = try await Self.client.execute(outgoing, timeout: forwardTimeout)
            bytes = try await answer.body.collect(upTo: 64 << 20)
        } catch {
            // The leader may have carried the request out before its answer was lost (a timeout,
            // a connection cut while it answered), so the client is told it may have been: it
            // sends it again with its Idempotency-Key. The leader's address and the client's
            // error stay in this node's log.
            throw LogError.notLeader("the leader did not answer; the request may or may not have been carried out")
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers where !Self.hopByHop.contains(name.lowercased()) {
            if let fieldName = HTTPField.Name(name) { headers.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: HTTPResponse.Status(code: Int(answer.status.code)), headers: headers, body: .init(byteBuffer: bytes))
    }
}
