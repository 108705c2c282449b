import HTTPTypes
import MusterDomain
import MusterEngine
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

/// Every kind of caller a permission matrix is checked for.
enum CallerKind: String, CaseIterable, Sendable {
    case platformAdmin, orgAdmin, siteAdmin, caseworker, viewer, apiKey, otherOrgAdmin
    case fullCollaborator, contextCollaborator, noToken, endedSession, revokedAPIKey

    /// Whether the caller is staff of the cast's org (its members, its key, the platform admin).
    var isStaff: Bool {
        [.platformAdmin, .orgAdmin, .siteAdmin, .caseworker, .viewer, .apiKey].contains(self)
    }
}

/// One org with a caller of every kind, and a tenant with both kinds of collaborator.
struct Cast: Sendable {
    let org: String
    let tenant: String
    let otherOrg: String
    let tokens: [CallerKind: Token]
    let userIDs: [CallerKind: String]

    static func make(_ api: API) async throws -> Cast {
        let org = try await api.org()
        let otherOrg = try await api.org("Hillside Care")
        let tenant = try await api.tenant(org)
        var tokens: [CallerKind: Token] = [.platformAdmin: api.admin]
        var userIDs: [CallerKind: String] = [:]
        for (kind, role) in [(CallerKind.orgAdmin, "org_admin"), (.siteAdmin, "site_admin"), (.caseworker, "caseworker"), (.viewer, "viewer")] {
            let member = try await api.member(org, "\(kind.rawValue.lowercased())@example.org", role: role)
            tokens[kind] = member.token
            userIDs[kind] = member.userID
        }
        tokens[.otherOrgAdmin] = try await api.member(otherOrg, "other-admin@example.org", role: "org_admin").token
        tokens[.apiKey] = try await api.apiKey(org)
        tokens[.fullCollaborator] = try await api.collaborator(org, tenant: tenant, "full@example.org", mode: "full").token
        tokens[.contextCollaborator] = try await api.collaborator(org, tenant: tenant, "context@example.org", mode: "context_only").token
        let ended = try await api.member(org, "signed-out@example.org", role: "org_admin").token
        try await api.post("/v1/auth/logout", token: ended)
        tokens[.endedSession] = ended
        let revokedKey = try await api.post("/v1/orgs/\(org)/api-keys", token: api.admin, #"{"name": "old"}"#)
        let keyID = try #require(revokedKey.json["id"]?.string)
        try await api.post("/v1/orgs/\(org)/api-keys/\(keyID)/revoke", token: api.admin)
        tokens[.revokedAPIKey] = revokedKey.json["secret"]?.string
        return Cast(org: org, tenant: tenant, otherOrg: otherOrg, tokens: tokens, userIDs: userIDs)
    }

    /// Runs `request` as every kind of caller and expects success (2xx) exactly for `allowed`;
    /// the others get 401 (no or dead credentials), 404 when they are not staff of the org
    /// (another org's admin, a collaborator: the org is not confirmed to them), or 403. A route
    /// of a tenant that the collaborators work on tells them 403 (`collaboratorStatus`).
    func expectOnly(
        _ allowed: Set<CallerKind>,
        collaboratorStatus: Int = 404,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ request: (CallerKind, Token?) async throws -> Reply
    ) async throws {
        for kind in CallerKind.allCases {
            let reply = try await request(kind, tokens[kind])
            if allowed.contains(kind) {
                #expect(
                    (200..<300).contains(reply.status),
                    "\(kind) should be allowed: \(reply.status) \(reply.text)",
                    sourceLocation: sourceLocation
                )
            } else {
                let expected =
                    [.noToken, .endedSession, .revokedAPIKey].contains(kind)
                    ? 401
                    : [.fullCollaborator, .contextCollaborator].contains(kind) ? collaboratorStatus : kind.isStaff ? 403 : 404
                #expect(reply.status == expected, "\(kind) should get \(expected): \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
                #expect(reply.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
            }
        }
    }
}

/// Staff who administer people: the org admin, the platform admin and an org-admin API key.
let administrators: Set<CallerKind> = [.platformAdmin, .orgAdmin, .apiKey]
