import HTTPTypes
import Hummingbird
import MusterDomain
import MusterEngine

extension APIRoutes {
    /// `/healthz`, `/readyz`, `/metrics` and `/openapi.json`: public, never authenticated.
    func registerOperations(on router: Router<MusterRequestContext>) {
        get(router, "/healthz") { _, _ in
            .json { $0.object { $0.field("status", "ok") } }
        }
        get(router, "/readyz") { _, _ in
            guard slot.isReady else {
                throw Problem(.serviceUnavailable, code: "not_ready", "recovery has not finished")
            }
            return .json { $0.object { $0.field("status", "ready") } }
        }
        get(router, "/metrics") { _, _ in
            APIResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.exposition())
        }
        get(router, "/openapi.json") { _, _ in
            APIResponse(body: OpenAPIDocument.bytes)
        }
    }

    /// `POST /v1/orgs` and `GET /v1/orgs/{org}`.
    func registerOrganisations(on router: Router<MusterRequestContext>) {
        post(router, "/v1/orgs", command: "create_organisation") { request, context in
            let principal = try context.requirePrincipal()
            var fields = try await request.fields(context: context)
            let name = try fields.string("name", maxLength: 200)
            try fields.finish()
            let engine = try engine
            let orgID = try await engine.createOrganisation(name: name, by: principal)
            let summary = try await engine.organisation(orgID, by: principal)
            return APIResponse.json(.created) { $0.organisation(summary) }.located("/v1/orgs/\(orgID)")
        }
        get(router, "/v1/orgs/{org}") { request, context in
            let principal = try context.requirePrincipal()
            let orgID: OrganisationID = try request.pathID("org", context: context)
            let summary = try await engine.organisation(orgID, by: principal)
            return .json { $0.organisation(summary) }
        }
    }
}

extension APIResponse {
    /// The same answer with a `Location` header naming the created resource.
    func located(_ path: String) -> APIResponse {
        var copy = self
        copy.extraHeaders.append(("Location", path))
        return copy
    }
}

extension JSONWriter {
    mutating func organisation(_ summary: OrganisationSummary) {
        object { object in
            object.field("id", summary.id)
            object.field("name", summary.name)
            object.field("created_at", summary.createdAt)
            object.field("member_count", summary.memberCount)
            object.field("tenant_count", summary.tenantCount)
        }
    }
}
