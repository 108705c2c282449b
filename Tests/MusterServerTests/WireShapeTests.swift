import MusterDomain
import Testing

@testable import MusterJSON
@testable import MusterServer

@Suite("Wire shapes: each resource described once, for its JSON, its schema and its CSV")
struct WireShapeTests {
    /// The JSON object of each item in a list answer (`items`).
    private static func items(_ reply: Reply) throws -> [[String: JSONValue]] {
        #expect(reply.status == 200, "\(reply.text)")
        guard case .array(let items) = reply.json["items"] ?? .null else {
            Issue.record("no items in \(reply.text)")
            return []
        }
        return items.compactMap { if case .object(let fields) = $0 { fields } else { nil } }
    }

    /// Holds `object` to `shape`: every field written always is there, nothing else is, and a
    /// required field is never `null`.
    private static func expect<Subject, Context>(
        _ object: [String: JSONValue],
        follows shape: WireShape<Subject, Context>,
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let always = Set(shape.fields.filter { $0.presence == .always }.map(\.name.description))
        let all = Set(shape.fields.map(\.name.description))
        let keys = Set(object.keys)
        #expect(always.subtracting(keys).isEmpty, "\(what) lacks \(always.subtracting(keys).sorted())", sourceLocation: sourceLocation)
        #expect(
            keys.subtracting(all).isEmpty,
            "\(what) has fields its shape does not name: \(keys.subtracting(all).sorted())",
            sourceLocation: sourceLocation
        )
        for field in shape.fields where field.isRequired {
            #expect(object[field.name.description] != .null, "\(what).\(field.name) is required but null", sourceLocation: sourceLocation)
        }
    }

    /// A new org with an invitation revoked for a reason with a comma and quotes in it, and a
    /// member who joined through another.
    private static func orgWithInvitationsAndAMember(_ api: API) async throws -> String {
        let org = try await api.org()
        let invited = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "ann@example.org", "role": "viewer"}"#)
        let invitationID = try #require(invited.json["id"]?.string)
        _ = try await api.post("/v1/orgs/\(org)/invitations/\(invitationID)/revoke", token: api.admin, #"{"reason": "typo, \"sorry\""}"#)
        _ = try await api.member(org, "cy@example.org", role: "caseworker")
        return org
    }

    /// A CSV body's lines, each split into its cells (RFC 4180 quoting).
    private static func csvLines(_ text: String) -> [[String]] {
        var lines = [[String]]()
        var cells = [String]()
        var cell = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            switch (character, quoted) {
            case ("\"", true) where characters.first == "\"":
                cell.append("\"")
                characters.removeFirst()
            case ("\"", _): quoted.toggle()
            case (",", false):
                cells.append(cell)
                cell = ""
            case ("\r\n", false), ("\n", false):
                cells.append(cell)
                lines.append(cells)
                (cells, cell) = ([], "")
            default: cell.append(character)
            }
        }
        return lines
    }

    @Test("A shape documents its fields in order; the required ones are those always written and never null")
    func theSchemaIsReadFromTheFields() throws {
        guard case .object(let properties, let required) = Wire.apiKey.schema else {
            Issue.record("an API key's schema is not an object")
            return
        }
        #expect(properties.map(\.0) == Wire.apiKey.fields.map(\.name.description))
        #expect(
            required == ["id", "org_id", "name", "role", "created_at", "created_by"],
            "revoked_at may be null; last_used_at and secret are only in some answers"
        )
        guard case .object(let invitationProperties, _) = Wire.invitation.schema,
            case .enumeration(let statuses)? = invitationProperties.first(where: { $0.0 == "status" })?.1
        else {
            Issue.record("an invitation's status is not documented as an enumeration")
            return
        }
        #expect(statuses == Invitation.Status.allCases.map(\.name), "the spellings come from the domain's enumeration")
        #expect(
            Wire.invitation.csvColumns.first == "id" && !Wire.invitation.csvColumns.contains("org_id"),
            "only the fields marked for export, in order"
        )
    }

    @Test("Every record the API lists has exactly the fields its shape names, and a required one is never null")
    func answersFollowTheirShapes() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await Self.orgWithInvitationsAndAMember(api)
            _ = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "bo@example.org", "role": "caseworker"}"#)
            let key = try await api.post("/v1/orgs/\(org)/api-keys", token: api.admin, #"{"name": "backend", "role": "viewer"}"#)
            Self.expect(try #require(key.json.objectFields), follows: Wire.apiKey, "a new API key")
            #expect(key.json["secret"]?.string != nil, "the answer that creates a key shows its secret")
            let tenant = try await api.tenant(org)
            _ = try await api.collaborator(org, tenant: tenant, "sam@example.org")
            let contact = try await api.post(
                "/v1/orgs/\(org)/tenants/\(tenant)/collaborators",
                token: api.admin,
                #"{"mode": "reference_only", "contact_name": "Dr Lee", "contact_phone": "+44 20 7946 0000"}"#
            )
            #expect(contact.status == 201, "\(contact.text)")
            let base = "/v1/orgs/\(org)/tenants/\(tenant)"
            _ = try await api.post("\(base)/notes", token: api.admin, #"{"body": "Visited", "kind": "shared"}"#)
            _ = try await api.post("\(base)/goals", token: api.admin, #"{"title": "Rehoused"}"#)
            _ = try await api.post("\(base)/sessions", token: api.admin, #"{"summary": "Called"}"#)
            _ = try await api.post(
                "\(base)/documents",
                token: api.admin,
                #"{"name": "lease.pdf", "content_type": "application/pdf", "size_bytes": 1024, "checksum": "sha256:00"}"#
            )

            let lists: [(String, ([String: JSONValue], String) -> Void)] = [
                ("/v1/orgs/\(org)/invitations", { Self.expect($0, follows: Wire.invitation, $1) }),
                ("/v1/orgs/\(org)/members", { Self.expect($0, follows: Wire.member, $1) }),
                ("/v1/orgs/\(org)/api-keys", { Self.expect($0, follows: Wire.apiKey, $1) }),
                ("/v1/orgs/\(org)/tenants", { Self.expect($0, follows: Wire.tenant, $1) }),
                ("\(base)/collaborators", { Self.expect($0, follows: Wire.collaborator, $1) }),
                ("\(base)/notes", { Self.expect($0, follows: Wire.note, $1) }),
                ("\(base)/goals", { Self.expect($0, follows: Wire.goal, $1) }),
                ("\(base)/sessions", { Self.expect($0, follows: Wire.session, $1) }),
                ("\(base)/documents", { Self.expect($0, follows: Wire.document, $1) }),
                ("/v1/orgs/\(org)/audit", { Self.expect($0, follows: Wire.auditEntry, $1) }),
            ]
            for (path, check) in lists {
                let items = try Self.items(try await api.get(path, token: api.admin))
                #expect(!items.isEmpty, "\(path) listed nothing")
                for item in items { check(item, path) }
            }
            let keys = try Self.items(try await api.get("/v1/orgs/\(org)/api-keys", token: api.admin))
            #expect(keys.allSatisfy { $0["secret"] == nil && $0["last_used_at"] != nil }, "a listed key shows its last use, never its secret")
            let collaborators = try Self.items(try await api.get("\(base)/collaborators", token: api.admin))
            #expect(collaborators.contains { $0["contact"]?["contact_name"]?.string == "Dr Lee" }, "the contact card is written nested")
        }
    }

    @Test("Each CSV export's header is its shape's exported fields, and every row has a cell for each")
    func csvExportsFollowTheirShapes() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await Self.orgWithInvitationsAndAMember(api)
            let exports: [(String, [String])] = [
                ("invitations", Wire.invitation.csvColumns),
                ("members", Wire.member.csvColumns),
                ("audit", Wire.auditEntry.csvColumns),
            ]
            for (list, columns) in exports {
                let reply = try await api.get("/v1/orgs/\(org)/\(list)?format=csv", token: api.admin)
                #expect(reply.status == 200, "\(reply.text)")
                let lines = Self.csvLines(reply.text)
                #expect(lines.first == columns, "\(list).csv's header")
                #expect(lines.count > 1, "\(list).csv has rows")
                for line in lines.dropFirst() { #expect(line.count == columns.count, "\(list).csv row \(line)") }
            }
            let invitations = Self.csvLines(try await api.get("/v1/orgs/\(org)/invitations?format=csv", token: api.admin).text)
            let reason = try #require(Wire.invitation.csvColumns.firstIndex(of: "revoked_reason"))
            #expect(invitations.dropFirst().contains { $0[reason] == #"typo, "sorry""# }, "a cell with a comma and quotes reads back whole")
        }
    }
}

extension JSONValue {
    /// The fields of an object; `nil` for anything else.
    fileprivate var objectFields: [String: JSONValue]? {
        if case .object(let fields) = self { fields } else { nil }
    }
}
