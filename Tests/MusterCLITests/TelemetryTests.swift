import Foundation
import Hummingbird
import Synchronization
import Testing

/// Traces exported by OTLP/HTTP and logs as JSON lines, from a real `muster serve` to a small
/// OTLP receiver the test starts.
@Suite("Traces and JSON logs")
struct TelemetryTests {
    /// An OTLP/HTTP receiver (JSON encoding) that keeps every span it is sent, and a webhook
    /// receiver that answers 204.
    final class Receiver: Sendable {
        /// The bodies of the exports received, as sent.
        let exports = Mutex<[Data]>([])
        let port = Mutex<Int?>(nil)

        func run() async throws {
            let router = Router()
            router.post("/v1/traces") { [self] request, _ -> HTTPResponse.Status in
                let body = Data(try await request.body.collect(upTo: 16 << 20).readableBytesView)
                exports.withLock { $0.append(body) }
                return .ok
            }
            router.post("/hook") { _, _ -> HTTPResponse.Status in .noContent }
            let application = Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { [self] channel in port.withLock { $0 = channel.localAddress?.port } }
            )
            try await application.runService(gracefulShutdownSignals: [])
        }

        /// Every export received so far, as text.
        var everything: String { exports.withLock { $0.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n") } }

        /// The spans received so far named `name`.
        func spans(named name: String) -> [[String: Any]] {
            var found = [[String: Any]]()
            for body in exports.withLock({ $0 }) {
                let document = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
                for resource in document?["resourceSpans"] as? [[String: Any]] ?? [] {
                    for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] { found += scope["spans"] as? [[String: Any]] ?? [] }
                }
            }
            return found.filter { $0["name"] as? String == name }
        }
    }

    /// A base64 id, as OTLP/JSON writes it, in the hex the logs use.
    private static func hex(_ base64: Any?) -> String? {
        guard let text = base64 as? String, let data = Data(base64Encoded: text) else { return nil }
        return data.map { String(format: "%02x", $0) }.joined()
    }

    @Test(
        "A request's trace holds the org actor's step and the log's wait; the email and the webhook attempt it causes link to it; every log line is JSON with the request and trace ids"
    )
    func tracesAndJSONLogs() async throws {
        let receiver = Receiver()
        let receiving = Task { try await receiver.run() }
        defer { receiving.cancel() }
        var receiverPort: Int?
        for _ in 0..<200 where receiverPort == nil {
            receiverPort = receiver.port.withLock { $0 }
            if receiverPort == nil { try await Task.sleep(for: .milliseconds(25)) }
        }
        let otlp = try #require(receiverPort)

        let folder = TemporaryFolder()
        let port = freePort()
        let token = "telemetry-test-admin-token-0123456789"
        let server = try MusterProcess(
            [
                "serve", "--data-dir", folder.path + "/data", "--port", String(port), "--admin-token", token, "--otel-endpoint",
                "http://127.0.0.1:\(otlp)", "--otel-protocol", "http/json", "--log-format", "json", "--log-level", "debug",
                "--webhook-allow-private-networks",
            ],
            in: folder.path,
            environment: ["OTEL_BSP_SCHEDULE_DELAY": "100"]
        )
        let ready = try await readiness(port: port)
        try #require(ready == 200, "\(server.output)")
        let created = try #require(
            await onThread { httpExchange(port: port, method: "POST", path: "/v1/orgs", token: token, body: #"{"name":"Traced"}"#) }
        )
        let org = try #require(jsonString(created.body, "id"))
        let hook = await onThread {
            httpExchange(
                port: port,
                method: "POST",
                path: "/v1/orgs/\(org)/webhooks",
                token: token,
                body: #"{"url":"http://127.0.0.1:\#(otlp)/hook","event_types":["user.invited"]}"#
            )
        }
        #expect(hook?.status == 201, "\(hook.map { String(decoding: $0.body, as: UTF8.self) } ?? "")")
        // The webhook hands over to the log before the invitation is made, so the attempt
        // follows the invitation's own record.
        try await Task.sleep(for: .milliseconds(500))
        let invited = await onThread {
            httpExchange(
                port: port,
                method: "POST",
                path: "/v1/orgs/\(org)/invitations",
                token: token,
                body: #"{"email":"ann@example.org","role":"viewer"}"#
            )
        }
        #expect(invited?.status == 201)

        var request: [String: Any]?
        for _ in 0..<100 {
            request = receiver.spans(named: "/v1/orgs/{org}/invitations").first
            if request != nil, !receiver.spans(named: "muster.email.deliver").isEmpty, !receiver.spans(named: "muster.webhook.attempt").isEmpty {
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let invitation = try #require(request, "no span for the invitation's request")
        let traceID = try #require(invitation["traceId"] as? String)
        let requestSpan = try #require(invitation["spanId"] as? String)
        for name in ["muster.org.step", "muster.log.wait"] {
            #expect(
                receiver.spans(named: name).contains { $0["traceId"] as? String == traceID && $0["parentSpanId"] as? String == requestSpan },
                "no \(name) span under the request"
            )
        }
        func linksToTheRequest(_ span: [String: Any]) -> Bool {
            (span["links"] as? [[String: Any]] ?? []).contains { $0["traceId"] as? String == traceID }
        }
        #expect(receiver.spans(named: "muster.email.deliver").contains(where: linksToTheRequest), "the email's span does not link to the request")
        #expect(
            receiver.spans(named: "muster.webhook.attempt").contains(where: linksToTheRequest),
            "the webhook attempt does not link to the request"
        )

        // Attacker: a link's token in a query string never reaches a log line or a span.
        let linkToken = "query-token-that-must-never-be-logged-4821"
        for path in ["/v1/invitations/preview?token=\(linkToken)", "/invitations/accept?token=\(linkToken)"] {
            _ = await onThread { httpExchange(port: port, method: "GET", path: path) }
        }

        server.terminate()
        #expect(try await server.exitStatus(within: 30) == 0, "\(server.output)")
        #expect(!server.output.contains(linkToken), "a link's token was logged")
        #expect(server.output.contains("/v1/invitations/preview"), "the request's path is still logged")
        #expect(!receiver.everything.contains(linkToken), "a link's token was exported in a span")
        // Attacker: at the debug level the service lifecycle logs every service it starts; none
        // of those lines may carry the admin token or the server's signing secret, in any form.
        let secret = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.path + "/data/server-secret.key")))
        #expect(!server.output.contains(token), "the admin token was logged")
        #expect(!server.output.contains(secret.prefix(6).map(String.init).joined(separator: ", ")), "the server secret was logged")
        #expect(
            !server.output.contains(secret.prefix(6).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()),
            "the server secret was logged"
        )
        #expect(server.output.contains("EngineService"), "the services' lines are there, by name")
        let lines = server.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count > 3)
        func parsed(_ line: Substring) -> [String: Any]? { try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] }
        let entries = lines.compactMap(parsed)
        #expect(entries.count == lines.count, "lines that are not JSON: \(lines.filter { parsed($0) == nil })")
        #expect(entries.allSatisfy { $0["time"] is String && $0["level"] is String && $0["message"] is String })
        let logged = entries.first { ($0["hb.request.path"] as? String)?.hasSuffix("/invitations") == true }
        #expect(logged?["request_id"] is String, "the request's line has its id")
        #expect(logged?["trace_id"] as? String == Self.hex(traceID), "the request's line has its trace id")
    }
}
