import HTTPTypes
import Hummingbird
import Logging
import MusterDomain
import MusterEngine
import MusterJSON

extension APIRoutes {
    /// The most items one bulk request takes.
    static let maximumBatchItems = 1000

    /// Invitations: create (one or a batch), list, read, revoke, resend, and the public preview
    /// and accept of the magic link.
    func registerInvitations(on router: Router<MusterRequestContext>, org: RouterGroup<OrgRequestContext>) {
        post(org, "invitations", command: "invite") { request, context in
            let principal = context.principal
            let orgID = context.org
            var fields = try await request.fields(context: context)
            let (email, role, method, days, locale, redirect) = try Self.invitationFields(&fields)
            try fields.finish()
            let issued = try await engine.invite(
                org: orgID,
                email: email,
                role: role,
                method: method,
                lifetimeDays: days,
                locale: locale,
                redirect: redirect,
                by: principal,
                context: context.command
            )
            return APIResponse.json(.created) { $0.invitation(issued.invitation, at: now) }.located(
                "/v1/orgs/\(orgID)/invitations/\(issued.invitation.id)"
            )
        }

        post(org, "invitations/batch", command: "invite_batch") { request, context in
            let principal = context.principal
            let orgID = context.org
            let items = try await batchItems(&request, context: context)
            // Items that parse go to the engine together (one hop, one durable wait); the rest
            // keep their field errors, in their places.
            let parsed = items.indices.map { index in
                Swift.Result { () throws(Problem) in
                    var fields = try RequestFields(items[index], path: "items[\(index)].")
                    let request = try Self.invitationFields(&fields)
                    try fields.finish()
                    return request
                }
            }
            let requests = parsed.compactMap { try? $0.get() }
            var issued = try await engine.invite(
                org: orgID,
                batch: requests.map { (email: $0.0, role: $0.1, method: $0.2, lifetimeDays: $0.3, locale: $0.4, redirect: $0.5) },
                by: principal,
                context: context.command
            )
            .makeIterator()
            let results = parsed.map { item -> Swift.Result<IssuedInvitation, any Error> in
                switch item {
                case .success: issued.next()!
                case .failure(let problem): .failure(problem)
                }
            }
            let at = now
            return batchResponse(results) { json, issued in json.invitation(issued.invitation, at: at) }
        }

        get(org, "invitations") { request, context in
            let principal = context.principal
            let orgID = context.org
            let (cursor, limit) = try request.pageQuery()
            let status = try request.spelledQuery("status", as: Invitation.Status.self)
            var email: EmailAddress?
            if let text = request.query("email") {
                do throws(DomainError) { email = try EmailAddress(text) } catch { throw Problem.badRequest("`email`: \(error.message)") }
            }
            let at = now
            if try request.wantsCSV() {
                let (engine, filterStatus, filterEmail) = (try engine, status, email)
                return try await CSVExport<Invitation>(
                    Wire.invitation,
                    at: at,
                    page: { after in
                        try await engine.invitations(
                            org: orgID,
                            status: filterStatus,
                            email: filterEmail,
                            after: after ?? cursor,
                            limit: CSVExport<Invitation>.pageSize,
                            by: principal
                        )
                    }
                ).response(filename: "invitations.csv")
            }
            let page = try await engine.invitations(org: orgID, status: status, email: email, after: cursor, limit: limit, by: principal)
            return APIResponse.page(page) { $0.invitation($1, at: at) }
        }

        get(org, "invitations/{id}") { request, context in
            let principal = context.principal
            let orgID = context.org
            let invitationID: InvitationID = try context.pathID("id")
            let invitation = try await engine.invitation(org: orgID, id: invitationID, by: principal)
            let at = now
            return .json { $0.invitation(invitation, at: at) }
        }

        post(org, "invitations/{id}/revoke", command: "revoke_invitation") { request, context in
            let principal = context.principal
            let orgID = context.org
            let invitationID: InvitationID = try context.pathID("id")
            var reason: String?
            if var fields = try await request.optionalFields(context: context) {
                reason = try fields.optionalString("reason", maxLength: 100_000)
                try fields.finish()
            }
            let invitation = try await engine.revokeInvitation(org: orgID, id: invitationID, reason: reason, by: principal, context: context.command)
            let at = now
            return .json { $0.invitation(invitation, at: at) }
        }

        post(org, "invitations/{id}/reinvite", command: "reinvite") { request, context in
            let principal = context.principal
            let orgID = context.org
            let previousID: InvitationID = try context.pathID("id")
            try await request.expectNoFields(context: context)
            let issued = try await engine.reinvite(org: orgID, id: previousID, by: principal, context: context.command)
            let at = now
            return APIResponse.json(.created) { $0.invitation(issued.invitation, at: at) }.located(
                "/v1/orgs/\(orgID)/invitations/\(issued.invitation.id)"
            )
        }

        post(org, "invitations/{id}/resend", command: "resend_invitation") { request, context in
            let principal = context.principal
            let orgID = context.org
            let invitationID: InvitationID = try context.pathID("id")
            try await request.expectNoFields(context: context)
            let issued = try await engine.resendInvitation(org: orgID, id: invitationID, by: principal, context: context.command)
            let at = now
            return .json { $0.invitation(issued.invitation, at: at) }
        }

        get(router, "/v1/invitations/preview") { request, _ in
            guard let token = request.query("token") else { throw Problem.badRequest("`token` is required: the token from the invitation link") }
            let preview = try await engine.previewInvitation(token: token)
            return .json { json in
                json.object { object in
                    object.field("invitation_id", preview.invitationID)
                    object.field("org_id", preview.orgID)
                    object.field("org_name", preview.orgName)
                    object.field("email", preview.email)
                    object.field("role", preview.role.name)
                    object.field("status", preview.status.name)
                    object.field("expires_at", preview.expiresAt)
                    object.field("redirect_url", preview.redirect?.value)
                    object.field("valid", preview.isValid)
                    object.field("reason_code", preview.refusal?.code.rawValue)
                    object.field("reason", preview.refusal?.message)
                }
            }
        }

        publicPost(router, "/v1/invitations/accept", command: "accept_invitation") { request, context in
            var fields = try await request.fields(context: context)
            let token = try fields.string("token", maxLength: 1000)
            try fields.finish()
            let acceptance = try await engine.acceptInvitation(token: token)
            let at = now
            return .json { json in
                json.object { object in
                    object.field("session_token", acceptance.sessionToken)
                    object.field("token_type", "Bearer")
                    object.field("expires_at", acceptance.session.expiresAt)
                    object.nested("user") { $0.user(acceptance.user) }
                    object.nested("invitation") { $0.invitation(acceptance.invitation, at: at) }
                    object.field("redirect_url", acceptance.invitation.redirect?.value)
                }
            }
        }
    }

    /// `email`, `role`, `method` (default `email`), `expires_in_days` (default the org's
    /// lifetime), `locale` (default the org's) and `redirect_url` (none) of one invitation.
    static func invitationFields(
        _ fields: inout RequestFields
    ) throws(Problem) -> (EmailAddress, Role, Invitation.Method, Int?, LocaleTag?, RedirectURL?) {
        let email = try fields.email("email")
        let role = try fields.spelled("role", as: Role.self)
        let method = try fields.optionalSpelled("method", as: Invitation.Method.self) ?? .email
        let days = try fields.optionalInteger("expires_in_days").map { Int(clamping: $0) }
        let locale = try fields.optionalLocale("locale")
        let redirect = try fields.optionalRedirect("redirect_url")
        return (email, role, method, days, locale, redirect)
    }

    // MARK: Bulk requests

    /// The `items` of a bulk body: 1 to 1,000 of them.
    func batchItems(_ request: inout Request, context: some RequestContext) async throws -> [JSONValue] {
        var fields = try await request.fields(context: context)
        guard case .array(let items)? = try fields.rawValue("items") else {
            throw Problem(
                .unprocessableContent,
                code: "validation_failed",
                "field `items` is required: an array of 1 to \(Self.maximumBatchItems) objects"
            )
        }
        try fields.finish()
        guard (1...Self.maximumBatchItems).contains(items.count) else {
            throw Problem(
                .unprocessableContent,
                code: "validation_failed",
                "field `items` must hold 1 to \(Self.maximumBatchItems) objects; it holds \(items.count)"
            )
        }
        return items
    }

    /// Runs `body` for every item, many at a time, and returns the results in item order.
    static func forEachItem<Result: Sendable>(
        _ items: [JSONValue],
        _ body: @escaping @Sendable (Int, JSONValue) async throws -> Result
    ) async -> [Swift.Result<Result, any Error>] {
        var results = [Swift.Result<Result, any Error>?](repeating: nil, count: items.count)
        await withTaskGroup(of: (Int, Swift.Result<Result, any Error>).self) { group in
            var next = 0
            // Enough in flight to fill a group commit, few enough not to swamp the actor's queue.
            let width = min(64, items.count)
            func add(_ index: Int) {
                group.addTask {
                    do { return (index, .success(try await body(index, items[index]))) } catch { return (index, .failure(error)) }
                }
            }
            while next < width {
                add(next)
                next += 1
            }
            for await (index, result) in group {
                results[index] = result
                if next < items.count {
                    add(next)
                    next += 1
                }
            }
        }
        return results.map { $0! }
    }

    /// The answer of a bulk request: 200 with one result per item, in order — `status` and the
    /// record, or `status` and the problem.
    func batchResponse<Item>(_ results: [Swift.Result<Item, any Error>], _ write: (inout JSONWriter, Item) -> Void) -> APIResponse {
        APIResponse.json { json in
            json.object { object in
                object.array("results", results.indices) { json, index in
                    json.object { entry in
                        entry.field("index", index)
                        switch results[index] {
                        case .success(let item):
                            entry.field("status", 201)
                            entry.nested("result") { write(&$0, item) }
                            entry.field("error", String?.none)
                        case .failure(let error):
                            let problem = Problem(describing: error)
                            if problem.isServerFailure {
                                logger.error("a bulk item failed", metadata: ["index": "\(index)", "code": "\(problem.code)", "error": "\(error)"])
                            }
                            entry.field("status", problem.status.code)
                            entry.field("result", String?.none)
                            entry.object("error") { body in
                                body.field("code", problem.code)
                                body.field("detail", problem.detail)
                                body.field("existing_record", problem.existingRecord)
                            }
                        }
                    }
                }
                object.nested("succeeded") { $0.value(results.filter { if case .success = $0 { true } else { false } }.count) }
                object.nested("failed") { $0.value(results.filter { if case .failure = $0 { true } else { false } }.count) }
            }
        }
    }
}
