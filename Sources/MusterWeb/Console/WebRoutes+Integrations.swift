import Hummingbird
import MusterDomain
import MusterEngine
import MusterWords

extension WebRoutes {
    /// The audit trail with its filters, and API keys (a new key's secret shown once).
    func registerIntegrations<Context: RequestContext>(on router: Router<Context>) {
        page(router, "/console/orgs/{org}/audit") { request, context, session in
            let orgID = try Self.orgID(context)
            let query = request.queryFields
            var values: [String: Any] = [:]
            try await orgHeader(orgID, session, tab: "navAudit", into: &values)
            var actions: Set<OrgEvent.Kind>?
            if let text = query["action"], !text.isEmpty {
                let kinds = text.split(separator: ",").compactMap { name in OrgEvent.Kind.allCases.first { $0.name == name.trimmingWhitespace() } }
                guard !kinds.isEmpty else { throw DomainError.validation("choose an event from the list") }
                actions = Set(kinds)
            }
            var actor: Principal?
            if let text = query["actor"], !text.isEmpty {
                guard let principal = Principal(spelled: text) else { throw DomainError.validation("choose a person from the list") }
                actor = principal
            }
            var before: UInt64?
            if let text = query["before"], !text.isEmpty {
                guard let cursor = UInt64(text) else { throw DomainError.validation("the page asked for does not exist; start from the newest") }
                before = cursor
            }
            let (page, actors) = try await engine.readableAudit(
                org: orgID,
                filter: AuditFilter(actions: actions, actor: actor),
                before: before,
                limit: 50,
                by: session.principal
            )
            let chosenAction = actions?.count == 1 ? actions?.first : nil
            let words = session.words
            values["kindGroups"] = AuditWords.kindGroups.map { group -> [String: Any] in
                [
                    "label": words("audit.group.\(group.key)"),
                    "kinds": group.kinds.map { ["value": $0.name, "label": AuditWords.label($0, words), "selected": $0 == chosenAction] },
                ]
            }
            values["actors"] = actors.map { ["value": $0.principal.description, "label": $0.label, "selected": $0.principal == actor] }
            values["entries"] = page.items.map { line -> [String: Any] in
                [
                    "at": words.mail.date(line.entry.at), "actor": line.actor, "what": AuditWords.sentence(line, words),
                    "kind": AuditWords.label(line.entry.action, words),
                ]
            }
            if let next = page.nextCursor {
                var older = "/console/orgs/\(orgID)/audit?before=\(next)"
                if let action = query["action"], !action.isEmpty { older += "&action=\(Self.queryValue(action))" }
                if let actor { older += "&actor=\(Self.queryValue(actor.description))" }
                values["older"] = older
            }
            if before != nil { values["newest"] = "/console/orgs/\(orgID)/audit" }
            return pages.render("audit", title: words("common.audit_trail"), values)
        }

        page(router, "/console/orgs/{org}/api-keys") { request, context, session in
            try await keysPage(try Self.orgID(context), session, notice: Self.notice(request.queryFields["done"], session.words))
        }

        let backToKeys: @Sendable (Request, Context, ConsoleSession, FormFields, String, HTTPResponse.Status) async throws -> Response = {
            _,
            context,
            session,
            _,
            message,
            status in
            return try await keysPage(try Self.orgID(context), session, error: message, status: status)
        }

        action(
            router,
            "/console/orgs/{org}/api-keys",
            { _, context, session, form in
                let orgID = try Self.orgID(context)
                let issued = try await engine.createAPIKey(
                    org: orgID,
                    name: form["name"] ?? "",
                    role: try Self.role(form["role"]),
                    by: session.principal
                )
                return try await keysPage(orgID, session, secret: issued.secret)
            },
            onError: backToKeys
        )

        action(
            router,
            "/console/orgs/{org}/api-keys/{key}/revoke",
            { _, context, session, _ in
                let orgID = try Self.orgID(context)
                _ = try await engine.revokeAPIKey(org: orgID, id: try Self.pathID("key", context), by: session.principal)
                return WebPage.redirect(to: "/console/orgs/\(orgID)/api-keys?done=key_revoked")
            },
            onError: backToKeys
        )
    }

    func keysPage(
        _ orgID: OrganisationID,
        _ session: ConsoleSession,
        secret: String? = nil,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let words = session.words
        var values: [String: Any] = ["roles": Self.roleChoices(nil, words.mail)]
        try await orgHeader(orgID, session, tab: "navKeys", into: &values)
        if let secret { values["secret"] = secret }
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        let csrf = session.formToken
        values["keyRows"] = try await engine.apiKeys(org: orgID, by: session.principal).map { key, lastUsed -> [String: Any] in
            [
                "id": key.id.description, "name": key.name, "role": words.mail.role(key.role), "createdAt": words.mail.date(key.createdAt),
                "lastUsed": lastUsed.map(words.mail.date) ?? words("keys.never"), "active": key.isActive, "orgID": orgID.description, "csrf": csrf,
            ]
        }
        return pages.render("keys", title: words("common.api_keys"), values, status: status)
    }
}

extension WebRoutes {
    /// `text` percent-encoded for a URL's query: every byte but letters, digits and `-._~`.
    static func queryValue(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(hex[Int(byte >> 4)])
                encoded.unicodeScalars.append(hex[Int(byte & 0x0f)])
            }
        }
        return encoded
    }
}
