import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import MusterDomain
import MusterEngine
import NIOCore
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer
@testable import MusterWeb

@Suite("Operations endpoints and the OpenAPI document")
struct OperationsTests {
    @Test("healthz and readyz answer, and metrics count requests by route template and commands by type")
    func healthReadinessAndMetrics() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            #expect(try await api.get("/healthz").status == 200)
            #expect(try await api.get("/readyz").json["status"]?.string == "ready")
            let org = try await api.org()
            _ = try await api.get("/v1/orgs/\(org)", token: api.admin)
            let metrics = try await api.get("/metrics")
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains(#"muster_http_requests_total{route="/v1/orgs/{org}",method="GET",status="200"} 1"#))
            #expect(metrics.text.contains(#"muster_commands_total{type="create_organisation"} 1"#))
            #expect(metrics.text.contains("muster_http_request_duration_seconds_bucket"))
            #expect(!metrics.text.contains(org), "ids must not become labels")
        }
    }

    @Test("On one machine the cluster view shows this node alone, leading; it is the platform admin's alone")
    func clusterViewOfOneMachine() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let view = try await api.get("/v1/cluster", token: api.admin)
            #expect(view.status == 200)
            let nodes = try #require(view.json["nodes"]?.array)
            #expect(nodes.count == 1)
            #expect(nodes.first?["role"]?.string == "leader")
            #expect(view.json["leader"]?.string == nodes.first?["name"]?.string)
            #expect(view.json["epoch"]?.int == 0)
            // The org's own admin, or no one, may not read it.
            let key = try await api.apiKey(org)
            #expect(try await api.get("/v1/cluster", token: key).status == 403)
            #expect(try await api.get("/v1/cluster").status == 401)
        }
    }

    @Test("Until recovery ends, healthz answers, readyz is 503 and every API call is 503 not_ready; then all answer")
    func notReadyBeforeRecovery() async throws {
        let engine = try ServerFixture().engine
        let (recovered, finishRecovery) = AsyncStream<Void>.makeStream()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let parts = try MusterServer.makeParts(
            configuration: ServerConfiguration(),
            adminToken: ServerFixture.adminToken,
            source: .eventually {
                for await _ in recovered { break }
                return engine
            },
            clock: ManualClock(),
            logger: logger,
            durableJournals: false
        )
        try await parts.application.test(.router) { client in
            let admin: HTTPFields = [.authorization: "Bearer \(ServerFixture.adminToken)", .contentType: "application/json"]
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let notReady = try await client.execute(uri: "/readyz", method: .get)
            #expect(notReady.status == .serviceUnavailable)
            let calls: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/orgs/3f2b8c1e-1d2a-4f6b-9c3d-2a1b0c9d8e7f", nil), (.post, "/v1/orgs", #"{"name": "Early"}"#),
                (.post, "/v1/auth/magic-link", #"{"email": "a@example.org"}"#),
                (.post, "/v1/auth/password", #"{"email": "a@example.org", "password": "p"}"#),
            ]
            for (method, path, body) in calls {
                let reply = try await client.execute(uri: path, method: method, headers: admin, body: body.map { ByteBuffer(string: $0) })
                #expect(reply.status == .serviceUnavailable, "\(method) \(path)")
                #expect(String(buffer: reply.body).contains("not_ready"), "\(method) \(path): \(String(buffer: reply.body))")
            }
            #expect(try await engine.orgStates().isEmpty, "nothing was written before recovery ended")

            finishRecovery.yield()
            var ready = try await client.execute(uri: "/readyz", method: .get)
            for _ in 0..<500 where ready.status != .ok {
                try await Task.sleep(for: .milliseconds(10))
                ready = try await client.execute(uri: "/readyz", method: .get)
            }
            #expect(ready.status == .ok)
            let created = try await client.execute(uri: "/v1/orgs", method: .post, headers: admin, body: ByteBuffer(string: #"{"name": "Ready"}"#))
            #expect(created.status == .created)
        }
    }

    @Test("The OpenAPI document is 3.1, describes exactly the routes the server has, and every reference resolves")
    func openAPIMatchesTheRouter() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let reply = try await api.get("/openapi.json")
            #expect(reply.status == 200)
            let document = reply.json
            #expect(document["openapi"]?.string == "3.1.0")
            guard case .object(let paths)? = document["paths"] else {
                Issue.record("no paths")
                return
            }
            var documented = Set<String>()
            for (path, item) in paths {
                guard case .object(let operations) = item else { continue }
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            // The pages people open in a browser are not part of the API.
            let api = Set(
                fixture.parts.routeTable.filter { route in !WebRoutes.pathPrefixes.contains { route.split(separator: " ")[1].hasPrefix($0) } }
            )
            #expect(
                documented == api,
                "only documented: \(documented.subtracting(api)); only served: \(api.subtracting(documented))"
            )
            guard case .object(let schemas)? = document["components"]?["schemas"] else {
                Issue.record("no schemas")
                return
            }
            var references = Set<String>()
            func collect(_ value: JSONValue) {
                switch value {
                case .object(let fields):
                    if let ref = fields["$ref"]?.string { references.insert(String(ref.split(separator: "/").last!)) }
                    fields.values.forEach(collect)
                case .array(let items): items.forEach(collect)
                default: break
                }
            }
            collect(document)
            #expect(references.subtracting(schemas.keys).isEmpty, "unresolved: \(references.subtracting(schemas.keys))")
            var operationIDs = [String]()
            for (_, item) in paths {
                guard case .object(let operations) = item else { continue }
                operationIDs += operations.values.compactMap { $0["operationId"]?.string }
            }
            #expect(Set(operationIDs).count == operationIDs.count, "operation ids must be unique")
        }
    }

    @Test("An unknown route or method is a problem+json 404, not an empty answer")
    func unknownRoutes() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let missing = try await api.get("/v1/nothing-here", token: api.admin)
            #expect(missing.status == 404)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(missing.code == "not_found")
        }
    }
}
