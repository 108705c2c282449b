import Foundation
import HTTPTypes
import MusterDomain
import MusterEngine
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

@Suite("Tenants, collaborators and the workspace over HTTP")
struct CollaboratorRoutesTests {
    @Test("A full collaborator sees the tenant after their link, and loses it on the very next request after the end")
    func activationAndEnd() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org, "Jo Tenant")
            let invite = try await api.post(
                "/v1/orgs/\(org)/tenants/\(tenant)/collaborators",
                token: api.admin,
                #"{"mode": "full", "email": "sam@example.org", "full_name": "Sam Worker"}"#
            )
            #expect(invite.status == 201)
            #expect(invite.json["status"]?.string == "invited")
            let mail = try await api.mail(to: "sam@example.org")
            #expect(mail.text.contains("https://app.example.org/auth/verify?token="))
            #expect(!mail.text.contains("Jo Tenant"), "the email does not name the tenant")
            let link = try await api.linkToken(to: "sam@example.org")
            let verified = try await api.post("/v1/auth/verify", #"{"token": "\#(link)"}"#)
            #expect(verified.json["activated_assignment"]?["tenant_id"]?.string == tenant)
            let session = try #require(verified.json["session_token"]?.string)
            #expect(try await api.post("/v1/auth/verify", #"{"token": "\#(link)"}"#).status >= 400, "the link is single-use")

            let caseload = try await api.get("/v1/me/caseload", token: session)
            #expect(caseload.json["count"]?.int == 1)
            #expect(caseload.json["items"]?[0]?["org_name"]?.string == "Riverside Housing")
            #expect(caseload.json["items"]?[0]?["mode"]?.string == "full")
            #expect(try await api.post("/v1/orgs/\(org)/tenants/\(tenant)/notes", token: session, #"{"body": "Visited; all well."}"#).status == 201)
            #expect(try await api.get("/v1/orgs/\(org)/tenants/\(tenant)/workspace", token: session).status == 200)

            let id = try #require(invite.json["id"]?.string)
            let ended = try await api.post("/v1/orgs/\(org)/tenants/\(tenant)/collaborators/\(id)/end", token: api.admin)
            #expect(ended.json["status"]?.string == "ended")
            #expect(try await api.get("/v1/me/caseload", token: session).json["count"]?.int == 0)
            let gone = try await api.get("/v1/orgs/\(org)/tenants/\(tenant)/workspace", token: session)
            #expect(gone.status == 404, "a tenant the caller may not see is answered as not found")
            #expect(gone.code == "tenant_not_found")
            let notes = try await api.get("/v1/orgs/\(org)/tenants/\(tenant)/notes", token: api.admin)
            #expect(notes.json["items"]?[0]?["author"]?.string?.hasPrefix("user:") == true, "what they wrote stays, with their authorship")
            #expect(try await api.post("/v1/orgs/\(org)/tenants/\(tenant)/collaborators/\(id)/end", token: api.admin).code == "collaborator_ended")
        }
    }

    @Test("Modes decide what a collaborator reads and writes; professional notes stay with staff")
    func modesAndProfessionalNotes() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let cast = try await Cast.make(api)
            let base = "/v1/orgs/\(cast.org)/tenants/\(cast.tenant)"
            #expect(
                try await api.post(base + "/notes", token: cast.tokens[.caseworker], #"{"body": "Risk assessment", "kind": "professional"}"#).status
                    == 201
            )
            #expect(try await api.post(base + "/notes", token: cast.tokens[.caseworker], #"{"body": "Shared plan"}"#).status == 201)
            #expect(
                try await api.call(
                    .put,
                    base + "/context-summary",
                    token: cast.tokens[.caseworker],
                    json: #"{"text": "Lives alone; prefers mornings."}"#
                )
                .status == 200
            )

            let full = try await api.get(base + "/notes", token: cast.tokens[.fullCollaborator])
            #expect(full.json["items"]?.array.compactMap { $0["body"]?.string } == ["Shared plan"])
            #expect(
                try await api.post(base + "/notes", token: cast.tokens[.fullCollaborator], #"{"body": "secret", "kind": "professional"}"#).status
                    == 403
            )
            #expect(try await api.post(base + "/goals", token: cast.tokens[.fullCollaborator], #"{"title": "Budgeting"}"#).status == 201)

            let context = cast.tokens[.contextCollaborator]
            #expect(try await api.get(base + "/context-summary", token: context).json["text"]?.string == "Lives alone; prefers mornings.")
            #expect(try await api.post(base + "/notes", token: context, #"{"body": "no"}"#).status == 403)
            #expect(
                try await api.post(base + "/sessions", token: context, #"{"summary": "Phoned", "occurred_at": "2026-01-01T09:00:00Z"}"#).status == 201
            )
            #expect(try await api.get(base + "/notes", token: context).json["items"]?.array.compactMap { $0["body"]?.string } == ["Shared plan"])
            #expect(try await api.get(base + "/collaborators", token: context).status == 403, "the team list is for staff")
            #expect(
                try await api.post(
                    base + "/collaborators",
                    token: cast.tokens[.fullCollaborator],
                    #"{"mode": "full", "email": "z@example.org", "full_name": "Z"}"#
                ).status == 404,
                "collaborators never invite collaborators"
            )

            let staff = try await api.get(base + "/notes", token: cast.tokens[.caseworker])
            #expect(staff.json["items"]?.array.count == 2)
            #expect(try await api.get(base + "/workspace", token: cast.tokens[.otherOrgAdmin]).status == 404)
            #expect(
                try await api.post(
                    base + "/documents",
                    token: cast.tokens[.caseworker],
                    #"{"name": "plan.pdf", "content_type": "application/pdf", "size_bytes": 1200, "checksum": "sha256:ab"}"#
                ).status == 201
            )
            #expect(
                try await api.post(
                    base + "/documents",
                    token: cast.tokens[.caseworker],
                    #"{"name": "plan.pdf", "content_type": "application/pdf", "size_bytes": -1, "checksum": "x"}"#
                ).status == 422
            )
            #expect(try await api.post(base + "/sessions", token: context, #"{"summary": "x", "occurred_at": "yesterday"}"#).status == 422)
        }
    }

    @Test("Reference-only contacts get a card, no account and no email; the card can be edited; the digest leaves them out")
    func referenceOnlyContacts() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            let base = "/v1/orgs/\(org)/tenants/\(tenant)"
            let contact = try await api.post(
                base + "/collaborators",
                token: api.admin,
                #"{"mode": "reference_only", "contact_name": "Pat Probation", "contact_phone": "+44 20 7946 0000", "contact_role_label": "Probation officer"}"#
            )
            #expect(contact.status == 201)
            #expect(contact.json["user_id"]?.isNull == true)
            #expect(contact.json["status"]?.string == "contact")
            for _ in 0..<3 { await fixture.parts.outboxService.deliverDue() }
            #expect(fixture.transport.delivered.isEmpty, "no email is ever sent to a contact")
            let id = try #require(contact.json["id"]?.string)
            let edited = try await api.call(
                .patch,
                base + "/collaborators/\(id)",
                token: api.admin,
                json: #"{"contact_email": "pat@probation.example", "contact_phone": null}"#
            )
            #expect(edited.status == 200)
            #expect(edited.json["contact"]?["contact_email"]?.string == "pat@probation.example")
            #expect(edited.json["contact"]?["contact_phone"]?.isNull == true)
            #expect(edited.json["contact"]?["contact_name"]?.string == "Pat Probation")
            #expect(
                try await api.call(.patch, base + "/collaborators/\(id)", token: api.admin, json: #"{"contact_email": null}"#).status == 422,
                "a card needs an email or a phone"
            )
            #expect(
                try await api.post(
                    base + "/collaborators",
                    token: api.admin,
                    #"{"mode": "reference_only", "email": "x@example.org", "contact_name": "X"}"#
                )
                .status == 422
            )
            #expect(try await api.post(base + "/collaborators", token: api.admin, #"{"mode": "full", "email": "w@example.org"}"#).status == 422)

            let (_, personID) = try await api.collaborator(org, tenant: tenant, "kim@example.org")
            let personEdit = try await api.call(.patch, base + "/collaborators/\(personID)", token: api.admin, json: #"{"contact_name": "Kim"}"#)
            #expect(personEdit.code == "not_reference_only")
            let otherTenant = try await api.tenant(org, "Other")
            #expect(try await api.post("/v1/orgs/\(org)/tenants/\(otherTenant)/collaborators/\(id)/end", token: api.admin).status == 404)

            let team = try await api.get(base + "/collaborators", token: api.admin)
            #expect(team.json["items"]?.array.count == 2)
            let digest = try await api.get(base + "/digest", token: api.admin)
            #expect(digest.json["team"]?.array.count == 1)
            #expect(digest.json["team"]?[0]?["email"]?.string == "kim@example.org")
            #expect(!digest.text.contains("Pat Probation"))
        }
    }

    @Test("The caseload cap refuses the 501st tenant unless overridden, and the override is audited")
    func caseloadCap() async throws {
        var policy = Policy()
        policy.caseloadCap = 3
        let fixture = try ServerFixture(policy: policy)
        try await fixture.run { api in
            let org = try await api.org()
            for index in 0..<3 {
                let tenant = try await api.tenant(org, "T\(index)")
                #expect(
                    try await api.post(
                        "/v1/orgs/\(org)/tenants/\(tenant)/collaborators",
                        token: api.admin,
                        #"{"mode": "full", "email": "busy@example.org", "full_name": "Busy"}"#
                    ).status == 201
                )
            }
            let fourth = try await api.tenant(org, "T3")
            let refused = try await api.post(
                "/v1/orgs/\(org)/tenants/\(fourth)/collaborators",
                token: api.admin,
                #"{"mode": "full", "email": "busy@example.org", "full_name": "Busy"}"#
            )
            #expect(refused.status == 409)
            #expect(refused.code == "caseload_cap_reached")
            let allowed = try await api.post(
                "/v1/orgs/\(org)/tenants/\(fourth)/collaborators",
                token: api.admin,
                #"{"mode": "full", "email": "busy@example.org", "full_name": "Busy", "override_cap": true}"#
            )
            #expect(allowed.status == 201)
            #expect(allowed.json["cap_overridden"]?.bool == true)
            let audit = try await api.get("/v1/orgs/\(org)/audit?action=collaborator.invited&limit=1", token: api.admin)
            #expect(audit.json["items"]?[0]?["details"]?.string?.contains("cap") == true)
        }
    }

    @Test("Collaborator batches answer per item; tenants list and page")
    func batchesAndTenantPages() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let tenant = try await api.tenant(org)
            let items =
                (0..<50).map { #"{"mode": "context_only", "email": "c\#($0)@example.org", "full_name": "C \#($0)"}"# } + [
                    #"{"mode": "reference_only", "contact_name": "GP"}"#
                ]
            let reply = try await api.post(
                "/v1/orgs/\(org)/tenants/\(tenant)/collaborators/batch",
                token: api.admin,
                #"{"items": [\#(items.joined(separator: ","))]}"#
            )
            #expect(reply.json["succeeded"]?.int == 50)
            #expect(reply.json["results"]?[50]?["error"]?["code"]?.string == "validation_failed")
            for index in 0..<4 { _ = try await api.tenant(org, "Page \(index)") }
            let first = try await api.get("/v1/orgs/\(org)/tenants?limit=3", token: api.admin)
            #expect(first.json["items"]?.array.count == 3)
            let cursor = try #require(first.json["next_cursor"]?.string)
            let second = try await api.get("/v1/orgs/\(org)/tenants?limit=3&cursor=\(cursor)", token: api.admin)
            #expect(second.json["items"]?.array.count == 2)
            #expect(second.json["next_cursor"]?.isNull == true)
        }
    }

    @Test("Tenant and team routes follow the permission table")
    func tenantPermissions() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let cast = try await Cast.make(api)
            let staffWhoInviteCollaborators: Set<CallerKind> = [.platformAdmin, .orgAdmin, .siteAdmin, .caseworker, .apiKey]
            try await cast.expectOnly(staffWhoInviteCollaborators) { kind, token in
                try await api.post(
                    "/v1/orgs/\(cast.org)/tenants/\(cast.tenant)/collaborators",
                    token: token,
                    #"{"mode": "reference_only", "contact_name": "\#(kind.rawValue)", "contact_phone": "+44 20 7946 0000"}"#
                )
            }
            try await cast.expectOnly([.platformAdmin, .orgAdmin, .siteAdmin, .caseworker, .viewer, .apiKey], collaboratorStatus: 403) { _, token in
                try await api.get("/v1/orgs/\(cast.org)/tenants/\(cast.tenant)/collaborators", token: token)
            }
        }
    }
}
