import Foundation
import HTTPTypes
import MusterDomain
import MusterEngine
import Synchronization
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP connection to the test server, to behave as no HTTP client library would. Its
/// blocking reads run on a thread of their own (``blocking(_:)``), never on the few threads
/// of Swift's cooperative pool, which the server under test needs.
private final class RawConnection: @unchecked Sendable {
    // @unchecked: the descriptor is immutable; the kernel serialises calls on it.
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    /// Runs a blocking call on a dispatch thread.
    func blocking<Value: Sendable>(_ body: @escaping @Sendable (RawConnection) -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body(self)) }
        }
    }

    /// Sends `text`; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Whether the server has closed the connection (a read sees the end, or a reset).
    var isClosedByServer: Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        }
    }

    /// One response's head and as much body as arrives with it, waiting up to `seconds`.
    func readResponse(within seconds: Double = 10) -> String {
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !String(decoding: bytes, as: UTF8.self).contains("\r\n\r\n") {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                bytes += buffer[0..<count]
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits up to `seconds` for the server to close the connection.
    func closes(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if isClosedByServer { return true }
        }
        return false
    }
}

@Suite("Slow clients")
struct SlowClientTests {
    private static func fixture() throws -> ServerFixture {
        try ServerFixture { configuration in
            // Short enough to test quickly, long enough for a loaded machine to answer a prompt client.
            configuration.idleTimeout = Span(milliseconds: 3_000)
            configuration.requestTimeout = Span(milliseconds: 3_000)
            configuration.maximumLongPollsPerCaller = 2
        }
    }

    /// Trickles `chunks` one every 100 ms and says after how many the server closed, if it did.
    private func trickle(_ chunks: [String], on connection: RawConnection) async throws -> Int? {
        for (index, chunk) in chunks.enumerated() {
            if await connection.blocking({ $0.isClosedByServer || !$0.send(chunk) }) { return index }
            try await Task.sleep(for: .milliseconds(100))
        }
        return await connection.blocking { $0.isClosedByServer } ? chunks.count : nil
    }

    @Test("A client that trickles a request's head is cut off at the head timeout, however steadily it sends")
    func aTrickledHeadIsCutOff() async throws {
        try await Self.fixture().runLive { _, port in
            let connection = try RawConnection(port: port)
            let head = ["GET /healthz HTTP/1.1\r\n"] + (0..<60).map { "X-Slow-\($0): y\r\n" }
            let closedAfter = try await trickle(head, on: connection)
            #expect(closedAfter != nil && closedAfter! < 45, "closed after \(String(describing: closedAfter)) of 61 chunks")
        }
    }

    @Test("A client that trickles a request's body is cut off at the request timeout")
    func aTrickledBodyIsCutOff() async throws {
        try await Self.fixture().runLive { _, port in
            let connection = try RawConnection(port: port)
            connection.send("POST /v1/auth/magic-link HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n")
            let closedAfter = try await trickle(Array(repeating: " ", count: 60), on: connection)
            #expect(closedAfter != nil && closedAfter! < 45, "closed after \(String(describing: closedAfter)) of 60 chunks")
        }
    }

    @Test("An idle keep-alive connection is closed; a prompt request and a long poll are answered in full")
    func promptRequestsAndLongPollsAreNotCut() async throws {
        let fixture = try Self.fixture()
        // The org is made through the engine: the test's own HTTP client keeps a connection
        // open, which the short timeouts here would close under it.
        let org = try await fixture.engine.createOrganisation(name: "Slow", by: .platformAdmin)
        try await fixture.runLive { _, port in
            let prompt = try RawConnection(port: port)
            prompt.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await prompt.blocking { $0.readResponse() }.hasPrefix("HTTP/1.1 200"))
            // A long poll outlasts both timeouts: nothing runs while a request is answered. On a
            // connection of its own, so that a loaded machine's pause between two requests is
            // never an idle keep-alive connection the server rightly closes. A connection closed
            // with no answer at all is one whose head the server had not read within the idle
            // timeout — a machine too loaded to run the server's loop for three seconds, which
            // the whole suite on two cores can be — so the poll is asked again, up to three times.
            var answered: (connection: RawConnection, answer: String, waited: TimeInterval)?
            for _ in 0..<3 where answered == nil {
                let connection = try RawConnection(port: port)
                let started = Date()
                connection.send(
                    "GET /v1/orgs/\(org)/events?after=1&wait=4 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ServerFixture.adminToken)\r\n\r\n"
                )
                let answer = await connection.blocking { $0.readResponse(within: 30) }
                if !answer.isEmpty { answered = (connection, answer, Date().timeIntervalSince(started)) }
            }
            let poll = try #require(answered, "the long poll was never answered")
            #expect(poll.answer.hasPrefix("HTTP/1.1 200"), "\(poll.answer)")
            #expect(poll.waited >= 3.9, "the poll waited its four seconds")
            #expect(await poll.connection.blocking { $0.closes(within: 10) }, "idle past the timeout")
        }
    }

    @Test("Long polls are capped per caller; a poll without wait is not counted")
    func longPollsAreCappedPerCaller() async throws {
        let fixture = try Self.fixture()
        try await fixture.run { api in
            let org = try await api.org()
            let path = "/v1/orgs/\(org)/events?after=1&wait=2"
            let waiting = (0..<2).map { _ in Task { try await api.get(path, token: api.admin) } }
            try await Task.sleep(for: .milliseconds(300))
            let third = try await api.get(path, token: api.admin)
            #expect(third.status == 429, "\(third.text)")
            #expect(third.code == "rate_limited")
            #expect(third.headers[.retryAfter] == "1")
            #expect(try await api.get("/v1/orgs/\(org)/events?after=0", token: api.admin).status == 200)
            let other = try await api.apiKey(org)
            let otherCaller = Task { try await api.get(path, token: other) }
            for task in waiting { #expect(try await task.value.status == 200) }
            #expect(try await otherCaller.value.status == 200, "another caller has a count of their own")
            #expect(try await api.get("/v1/orgs/\(org)/events?after=1&wait=0.1", token: api.admin).status == 200, "the places are free again")
        }
    }
}
