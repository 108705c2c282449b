import Crypto
import Foundation
import HTTPTypes
import MusterClient
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Synchronization
import Testing

@testable import MusterJSON
@testable import MusterServer

@Suite("The generated Swift client")
struct GeneratedClientTests {
    /// The committed client's input, next to this file's module.
    static let committedDocument = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../../Sources/MusterClient/openapi.json"
    )

    @Test("The committed client was generated from exactly the document the server serves (run scripts/generate-client after changing the API)")
    func theCommittedClientMatchesTheServedDocument() throws {
        let served = MusterServer.openAPIDocument
        let digest = SHA256.hash(data: served).map { String(format: "%02x", $0) }.joined()
        #expect(digest == musterDocumentSHA256, "the API changed since the client was generated: run scripts/generate-client")
        let committed = try JSONValue.parse(Array(try Data(contentsOf: Self.committedDocument)))
        #expect(committed == (try JSONValue.parse(served)), "Sources/MusterClient/openapi.json is not the served document")
    }

    @Test("The generated client drives a live server: an org, a tenant, a collaborator's access before and after the end, and a refusal")
    func theGeneratedClientWorksEndToEnd() async throws {
        let fixture = try ServerFixture()
        try await fixture.runLive { api, port in
            let url = try #require(URL(string: "http://127.0.0.1:\(port)"))
            let transport = AsyncHTTPClientTransport()
            let admin = Client(muster: url, token: api.admin, transport: transport)
            let org = try await admin.postV1Orgs(body: .json(.init(name: "Riverside Housing"))).created.body.json
            #expect(org.name == "Riverside Housing")
            let tenant = try await admin.postV1OrgsByOrgTenants(path: .init(org: org.id), body: .json(.init(name: "Jo Tenant"))).created.body.json
            let (session, row) = try await api.collaborator(org.id, tenant: tenant.id, "sam@example.org", mode: "context_only")
            let me = try await Client(muster: url, token: session, transport: transport).getV1Me().ok.body.json

            func check(_ action: Components.Schemas.AccessCheckRequest.ActionPayload) async throws -> Components.Schemas.AccessDecision {
                try await admin.postV1OrgsByOrgAccessCheck(
                    path: .init(org: org.id),
                    body: .json(.init(userId: me.user.id, tenantId: tenant.id, action: action))
                ).ok.body.json
            }
            let read = try await check(.readGoals)
            #expect(read.allowed && read.reason == .mode)
            #expect(try await check(.writeGoals).reason == .modeDoesNotAllow)
            _ = try await admin.postV1OrgsByOrgTenantsByTenantCollaboratorsByIdEnd(path: .init(org: org.id, tenant: tenant.id, id: row)).ok
            let after = try await check(.readGoals)
            #expect(!after.allowed && after.reason == .assignmentEnded)

            let anonymous = try await Client(muster: url, token: nil, transport: transport).getV1OrgsByOrg(path: .init(org: org.id))
            #expect(try anonymous.unauthorized.body.applicationProblemJson.code == "unauthenticated")
        }
    }

    @Test("Every answer of the main flows decodes with the generated types, which refuse a field the document does not name")
    func theDocumentDescribesWhatTheServerAnswers() async throws {
        let fixture = try ServerFixture()
        try await fixture.runLive { api, port in
            let url = try #require(URL(string: "http://127.0.0.1:\(port)"))
            let transport = AsyncHTTPClientTransport()
            let exchanges = ExchangeRecorder()
            let admin = Client(serverURL: url, transport: transport, middlewares: [BearerToken(api.admin), exchanges])
            let org = try await admin.postV1Orgs(body: .json(.init(name: "Riverside Housing"))).created.body.json
            let path = Operations.GetV1OrgsByOrg.Input.Path(org: org.id)
            let changed = try await admin.patchV1OrgsByOrg(
                path: .init(org: org.id),
                body: .json(.init(invitationLifetimeDays: 3, allowedEmailDomains: ["example.org"], defaultLocale: "cy"))
            ).ok.body.json
            #expect(changed.effectiveSettings.invitationLifetimeDays == 3)
            _ = try await admin.getV1OrgsByOrg(path: path).ok.body.json
            _ = try await admin.getV1Orgs().ok.body.json
            _ = try await admin.getV1Roles().ok.body.json
            let invitation = try await admin.postV1OrgsByOrgInvitations(
                path: .init(org: org.id),
                body: .json(.init(email: "ann@example.org", role: .viewer, expiresInDays: 2))
            ).created.body.json
            #expect(invitation.expiresAt.timeIntervalSince(invitation.createdAt) == 2 * 86_400)
            _ = try await admin.getV1OrgsByOrgInvitations(path: .init(org: org.id)).ok.body.json
            _ = try await admin.getV1OrgsByOrgInvitationsById(path: .init(org: org.id, id: invitation.id)).ok.body.json
            _ = try await admin.postV1OrgsByOrgInvitationsByIdRevoke(path: .init(org: org.id, id: invitation.id), body: .json(.init(reason: "typo")))
                .ok.body.json
            let (member, userID) = try await api.member(org.id, "bo@example.org", role: "caseworker")
            _ = try await admin.getV1OrgsByOrgMembers(path: .init(org: org.id)).ok.body.json
            _ = try await admin.getV1Users(query: .init(email: "bo@example.org")).ok.body.json
            let key = try await admin.postV1OrgsByOrgApiKeys(path: .init(org: org.id), body: .json(.init(name: "backend", role: .siteAdmin))).created
                .body
                .json
            _ = try await admin.getV1OrgsByOrgApiKeys(path: .init(org: org.id)).ok.body.json
            let tenant = try await admin.postV1OrgsByOrgTenants(path: .init(org: org.id), body: .json(.init(name: "Jo Tenant", reference: "T-1")))
                .created.body.json
            _ = try await admin.getV1OrgsByOrgTenants(path: .init(org: org.id)).ok.body.json
            _ = try await admin.getV1OrgsByOrgTenantsByTenant(path: .init(org: org.id, tenant: tenant.id)).ok.body.json
            let (_, row) = try await api.collaborator(org.id, tenant: tenant.id, "sam@example.org", mode: "full")
            _ = try await admin.getV1OrgsByOrgTenantsByTenantCollaborators(path: .init(org: org.id, tenant: tenant.id)).ok.body.json
            _ = try await admin.postV1OrgsByOrgTenantsByTenantNotes(
                path: .init(org: org.id, tenant: tenant.id),
                body: .json(.init(body: "Visited", kind: .shared))
            )
            .created.body.json
            _ = try await admin.getV1OrgsByOrgTenantsByTenantWorkspace(path: .init(org: org.id, tenant: tenant.id)).ok.body.json
            let batch = try await admin.postV1OrgsByOrgAccessCheckBatch(
                path: .init(org: org.id),
                body: .json(.init(checks: [.init(userId: userID, tenantId: tenant.id, action: .readSharedNotes)]))
            ).ok.body.json
            #expect(batch.results.count == 1)
            _ = try await admin.getV1OrgsByOrgUsersByUserTenants(path: .init(org: org.id, user: userID)).ok.body.json
            _ = try await admin.postV1OrgsByOrgTenantsByTenantCollaboratorsByIdEnd(path: .init(org: org.id, tenant: tenant.id, id: row)).ok.body.json
            _ = try await admin.getV1OrgsByOrgAudit(path: .init(org: org.id)).ok.body.json
            _ = try await admin.getV1OrgsByOrgEvents(path: .init(org: org.id)).ok.body.json
            let webhook = try await admin.postV1OrgsByOrgWebhooks(path: .init(org: org.id), body: .json(.init(url: "https://hooks.example.org/in")))
                .created.body.json
            _ = try await admin.patchV1OrgsByOrgWebhooksById(path: .init(org: org.id, id: webhook.id), body: .json(.init(description: "billing")))
                .ok.body.json
            _ = try await admin.postV1OrgsByOrgWebhooksByIdRotateSecret(
                path: .init(org: org.id, id: webhook.id),
                body: .json(.init(gracePeriodHours: 1))
            )
            .ok.body.json
            _ = try await admin.postV1OrgsByOrgWebhooksByIdPing(path: .init(org: org.id, id: webhook.id)).accepted.body.json
            _ = try await admin.getV1OrgsByOrgWebhooks(path: .init(org: org.id)).ok.body.json
            _ = try await admin.getV1OrgsByOrgWebhooksByIdDeliveries(path: .init(org: org.id, id: webhook.id)).ok.body.json
            let memberClient = Client(muster: url, token: member, transport: transport)
            _ = try await memberClient.getV1Me().ok.body.json
            _ = try await memberClient.getV1MeSessions().ok.body.json
            _ = try await memberClient.getV1MeCaseload().ok.body.json
            let refused = try await Client(muster: url, token: key.secret, transport: transport).patchV1OrgsByOrg(
                path: .init(org: org.id),
                body: .json(.init(name: "Taken over"))
            )
            #expect(try refused.forbidden.body.applicationProblemJson.code == "forbidden")

            // Every change answers with its position, increasing; a read or a question none.
            let writes = exchanges.all.filter { $0.method != .get && !$0.path.contains("/access/check") }
            #expect(writes.count >= 12)
            for write in writes {
                #expect(write.position != nil, "\(write.method) \(write.path) answered without Muster-Position")
            }
            let positions = writes.compactMap(\.position)
            #expect(positions == positions.sorted(), "each change's position is after the one before")
            for other in exchanges.all where !writes.contains(where: { $0.path == other.path && $0.method == other.method }) {
                #expect(other.position == nil, "\(other.method) \(other.path) changed nothing but handed out a position")
            }
        }
    }
}

/// Keeps the method, path and `Muster-Position` of every successful exchange of a client.
private final class ExchangeRecorder: ClientMiddleware, Sendable {
    struct Exchange {
        var method: HTTPRequest.Method
        var path: String
        var position: Int?
    }
    private let exchanges = Mutex<[Exchange]>([])

    var all: [Exchange] { exchanges.withLock { $0 } }

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, body) = try await next(request, body, baseURL)
        if response.status.kind == .successful {
            let position = response.headerFields[HTTPField.Name("Muster-Position")!].flatMap { Int($0) }
            exchanges.withLock { $0.append(Exchange(method: request.method, path: request.path ?? "", position: position)) }
        }
        return (response, body)
    }
}
