import HTTPTypes
import Hummingbird
import MusterDomain
import MusterEngine
import MusterJSON

extension APIRoutes {
    /// Members, legacy direct creation, password resets and org API keys.
    func registerMembers(on org: RouterGroup<OrgRequestContext>) {
        post(org, "users", command: "create_user_direct") { request, context in
            let principal = context.principal
            let orgID = context.org
            var fields = try await request.fields(context: context)
            let email = try fields.email("email")
            let role = try fields.spelled("role", as: Role.self)
            let fullName = try fields.optionalString("full_name", maxLength: 200)
            try fields.finish()
            let created = try await engine.createUserWithTemporaryPassword(
                org: orgID,
                email: email,
                fullName: fullName,
                role: role,
                by: principal,
                context: context.command
            )
            return APIResponse.json(.created) { json in
                json.object { object in
                    object.nested("member") { $0.member(created.member) }
                    object.field("temporary_password", created.temporaryPassword)
                    object.field("must_change_password", true)
                }
            }
            .located("/v1/orgs/\(orgID)/members/\(created.member.userID)")
            .showingSecret(of: created.member.userID.description)
        }

        get(org, "members") { request, context in
            let principal = context.principal
            let orgID = context.org
            let (cursor, limit) = try request.pageQuery()
            let includeRemoved = try request.flag("include_removed")
            let filter = MemberFilter(
                emailPrefix: request.query("q"),
                role: try request.spelledQuery("role", as: Role.self, choices: Role.assignable),
                status: try request.spelledQuery("status", as: MemberFilter.Status.self)
            )
            if try request.wantsCSV() {
                let engine = try engine
                return try await CSVExport<Member>(
                    Wire.member,
                    at: (),
                    page: { after in
                        try await engine.members(
                            org: orgID,
                            includeRemoved: includeRemoved,
                            matching: filter,
                            after: after ?? cursor,
                            limit: CSVExport<Member>.pageSize,
                            by: principal
                        )
                    }
                ).response(filename: "members.csv")
            }
            let page = try await engine.members(
                org: orgID,
                includeRemoved: includeRemoved,
                matching: filter,
                after: cursor,
                limit: limit,
                by: principal
            )
            return APIResponse.page(page) { $0.member($1) }
        }

        patch(org, "members/{user}", command: "change_member") { request, context in
            let principal = context.principal
            let orgID = context.org
            let userID: UserID = try context.pathID("user")
            var fields = try await request.fields(context: context)
            let role = try fields.optionalSpelled("role", as: Role.self)
            let grant = try fields.optionalPermissions("grant")
            let withdraw = try fields.optionalPermissions("withdraw")
            try fields.finish()
            guard role != nil || grant != nil || withdraw != nil else {
                throw Problem(.unprocessableContent, code: "validation_failed", "give at least one of `role`, `grant` and `withdraw`")
            }
            let engine = try engine
            var member: Member?
            if let role { member = try await engine.changeRole(org: orgID, user: userID, to: role, by: principal, context: context.command) }
            if grant != nil || withdraw != nil {
                member = try await engine.changeGrants(
                    org: orgID,
                    user: userID,
                    grant: grant ?? [],
                    withdraw: withdraw ?? [],
                    by: principal,
                    context: context.command
                )
            }
            return .json { $0.member(member!) }
        }

        post(org, "members/{user}/remove", command: "remove_member") { request, context in
            let principal = context.principal
            let orgID = context.org
            let userID: UserID = try context.pathID("user")
            try await request.expectNoFields(context: context)
            let member = try await engine.removeMember(org: orgID, user: userID, by: principal, context: context.command)
            return .json { $0.member(member) }
        }

        post(org, "members/{user}/reset-password", command: "reset_password") { request, context in
            let principal = context.principal
            let orgID = context.org
            let userID: UserID = try context.pathID("user")
            try await request.expectNoFields(context: context)
            let password = try await engine.resetPassword(org: orgID, user: userID, by: principal, context: context.command)
            return APIResponse.json { json in
                json.object { object in
                    object.field("user_id", userID)
                    object.field("temporary_password", password)
                    object.field("must_change_password", true)
                }
            }
            .showingSecret(of: userID.description)
        }

        post(org, "api-keys", command: "create_api_key") { request, context in
            let principal = context.principal
            let orgID = context.org
            var fields = try await request.fields(context: context)
            let name = try fields.string("name", maxLength: 200)
            let role = try fields.optionalSpelled("role", as: Role.self) ?? .orgAdmin
            try fields.finish()
            let issued = try await engine.createAPIKey(org: orgID, name: name, role: role, by: principal, context: context.command)
            return APIResponse.json(.created) { $0.apiKey(issued.key, orgID: orgID, secret: issued.secret) }.showingSecret(
                of: issued.key.id.description
            )
        }

        get(org, "api-keys") { _, context in
            let orgID = context.org
            let keys = try await engine.apiKeys(org: orgID, by: context.principal)
            return .json { json in
                json.object { object in object.array("items", keys) { $0.apiKey($1.key, orgID: orgID, secret: nil, lastUsedAt: $1.lastUsedAt) } }
            }
        }

        post(org, "api-keys/{key}/revoke", command: "revoke_api_key") { request, context in
            let principal = context.principal
            let orgID = context.org
            let keyID: APIKeyID = try context.pathID("key")
            try await request.expectNoFields(context: context)
            let key = try await engine.revokeAPIKey(org: orgID, id: keyID, by: principal, context: context.command)
            return .json { $0.apiKey(key, orgID: orgID, secret: nil) }
        }
    }
}

extension Request {
    /// A boolean query parameter: absent is `false`; anything but `true`/`false` is refused.
    func flag(_ name: String) throws(Problem) -> Bool {
        guard let text = query(name) else { return false }
        switch text {
        case "true": return true
        case "false": return false
        default: throw Problem.badRequest("`\(name)` must be true or false; got \"\(text)\"")
        }
    }
}
