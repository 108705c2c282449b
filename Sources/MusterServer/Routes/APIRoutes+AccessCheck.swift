import HTTPTypes
import Hummingbird
import MusterDomain
import MusterEngine
import MusterJSON

extension APIRoutes {
    /// Access decisions for other services: may this person do this on this case (one, or a
    /// batch), and which cases may they see in the org.
    func registerAccessCheck(on org: RouterGroup<OrgRequestContext>) {
        get(org, "users/{user}/tenants") { request, context in
            let userID = try context.pathID("user", as: UserID.self)
            let (cursor, limit) = try request.pageQuery()
            let atLeast = try request.positionQuery("at_least")
            let page = try await engine.visibleTenants(
                org: context.org,
                user: userID,
                after: cursor,
                limit: limit,
                atLeast: atLeast,
                by: context.principal
            )
            return APIResponse.page(page) { json, entry in
                json.object { object in
                    object.field("tenant_id", entry.tenant.id)
                    object.field("name", entry.tenant.name)
                    object.field("reference", entry.tenant.reference)
                    object.field("role", entry.role?.name)
                    object.field("mode", entry.mode?.name)
                }
            }
        }

        question(org, "access/check") { request, context in
            var fields = try await request.fields(context: context)
            let question = try Self.accessQuestion(&fields)
            let atLeast = try Self.atLeast(&fields)
            try fields.finish()
            let (decisions, asOf) = try await engine.checkAccess(org: context.org, [question], atLeast: atLeast, by: context.principal)
            return APIResponse.json { $0.accessDecision(decisions[0], asOf: asOf) }
        }

        question(org, "access/check/batch") { request, context in
            var fields = try await request.fields(context: context)
            guard case .array(let items)? = try fields.rawValue("checks") else {
                throw Problem(
                    .unprocessableContent,
                    code: "validation_failed",
                    "field `checks` is required: an array of 1 to \(Self.maximumChecks) objects"
                )
            }
            let atLeast = try Self.atLeast(&fields)
            try fields.finish()
            guard (1...Self.maximumChecks).contains(items.count) else {
                throw Problem(
                    .unprocessableContent,
                    code: "validation_failed",
                    "field `checks` must hold 1 to \(Self.maximumChecks) objects; it holds \(items.count)"
                )
            }
            // A malformed check refuses the whole batch: a caller must never read a partial
            // answer as "everything else was allowed".
            var questions = [AccessQuestion]()
            questions.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                var check = try RequestFields(item, path: "checks[\(index)].")
                questions.append(try Self.accessQuestion(&check))
                try check.finish()
            }
            let (decisions, asOf) = try await engine.checkAccess(org: context.org, questions, atLeast: atLeast, by: context.principal)
            return APIResponse.json { json in
                json.object { object in
                    object.field("as_of", asOf)
                    object.array("results", decisions) { json, decision in json.accessDecision(decision, asOf: nil) }
                }
            }
        }
    }

    /// The most checks one batch may hold.
    static let maximumChecks = 1_000

    /// `at_least`: a log position the answer must reflect (a write's `Muster-Position`, or an
    /// earlier `as_of`).
    private static func atLeast(_ fields: inout RequestFields) throws(Problem) -> LogPosition? {
        guard let value = try fields.optionalInteger("at_least") else { return nil }
        guard value >= 0 else {
            throw Problem(.unprocessableContent, code: "validation_failed", "field `at_least` must be a log position, 0 or more")
        }
        return LogPosition(value)
    }

    private static func accessQuestion(_ fields: inout RequestFields) throws(Problem) -> AccessQuestion {
        AccessQuestion(
            userID: try fields.identifier("user_id"),
            tenantID: try fields.identifier("tenant_id"),
            action: try fields.spelled("action", as: AccessAction.self)
        )
    }
}

extension JSONWriter {
    /// One decision: `allowed`, `reason`, the person's `role` and `mode`, and (for a single
    /// check) `as_of`, the log position the state it was decided on reflects.
    mutating func accessDecision(_ decision: AccessDecision, asOf: LogPosition?) {
        object { object in
            object.field("allowed", decision.allowed)
            object.field("reason", decision.reason.name)
            object.field("role", decision.role?.name)
            object.field("mode", decision.mode?.name)
            if let asOf { object.field("as_of", asOf) }
        }
    }
}
