import Foundation
import HTTPTypes
import Testing

@testable import MusterJSON
@testable import MusterServer

@Suite("CSV export of members, invitations and the audit trail")
struct CSVExportTests {
    /// The lines of a CSV answer (CRLF-separated), without the final empty one.
    static func lines(_ reply: Reply) -> [String] {
        reply.text.components(separatedBy: "\r\n").dropLast().map { $0 }
    }

    @Test("Members as CSV with the list's filters, by ?format=csv or Accept: text/csv")
    func members() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let (_, ann) = try await api.member(org, "ann@example.org", role: "org_admin")
            let (_, vic) = try await api.member(org, "vic@example.org", role: "viewer")
            let all = try await api.get("/v1/orgs/\(org)/members?format=csv", token: api.admin)
            #expect(all.status == 200 && all.headers[.contentType] == "text/csv; charset=utf-8")
            let rows = Self.lines(all)
            #expect(rows.first == "user_id,email,role,grants,joined_at,joined_via,status,removed_at")
            #expect(rows.dropFirst().map { $0.split(separator: ",").first.map(String.init) } == [ann, vic])
            let viewers = try await api.call(.get, "/v1/orgs/\(org)/members?role=viewer", token: api.admin, headers: ["Accept": "text/csv"])
            #expect(Self.lines(viewers).count == 2 && viewers.text.contains("vic@example.org") && !viewers.text.contains("ann@"))
            #expect(
                try await api.get("/v1/orgs/\(org)/members", token: api.admin).headers[.contentType] == "application/json",
                "JSON stays the default"
            )
        }
    }

    @Test("A long list streams past the first page: every invitation once, in order")
    func invitationsStreamEveryPage() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            for chunk in 0..<2 {
                let items = (0..<300).map { #"{"email": "p\#(chunk)-\#($0)@example.org", "role": "viewer"}"# }.joined(separator: ",")
                #expect(try await api.post("/v1/orgs/\(org)/invitations/batch", token: api.admin, #"{"items": [\#(items)]}"#).status == 200)
            }
            let reply = try await api.get("/v1/orgs/\(org)/invitations?format=csv", token: api.admin)
            let rows = Self.lines(reply)
            #expect(rows.count == 1 + 600, "a header and every invitation, across two pages of \(CSVExport<Int>.pageSize)")
            #expect(rows[1].contains("p0-0@example.org") && rows[600].contains("p1-299@example.org"))
            #expect(Set(rows).count == rows.count, "no row twice")
            let pending = try await api.get("/v1/orgs/\(org)/invitations?format=csv&status=accepted", token: api.admin)
            #expect(Self.lines(pending).count == 1, "the status filter applies: none accepted")
        }
    }

    /// The attacker: a revoke reason written to run as a spreadsheet formula, with quotes and
    /// commas to break the row apart.
    @Test("Cells are quoted, and a cell a spreadsheet would run as a formula is defused")
    func quotingAndFormulas() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let invite = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "x@example.org", "role": "viewer"}"#)
            let id = try #require(invite.json["id"]?.string)
            let reason = #"=HYPERLINK(\"http://evil.example\",\"click\"), then more"#
            #expect(try await api.post("/v1/orgs/\(org)/invitations/\(id)/revoke", token: api.admin, #"{"reason": "\#(reason)"}"#).status == 200)
            let row = try #require(Self.lines(try await api.get("/v1/orgs/\(org)/invitations?format=csv", token: api.admin)).last)
            #expect(row.contains(#""'=HYPERLINK(""http://evil.example"",""click""), then more""#), "\(row)")
        }
    }

    @Test("The export keeps the list's permissions and refuses a bad format, as problem+json")
    func permissionsAndBadInput() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let (caseworker, _) = try await api.member(org, "cw@example.org", role: "caseworker")
            for list in ["members", "invitations", "audit"] {
                let refused = try await api.get("/v1/orgs/\(org)/\(list)?format=csv", token: caseworker)
                #expect(refused.status == 403 && refused.headers[.contentType] == "application/problem+json", "\(list)")
            }
            let other = try await api.org("Elsewhere")
            let (outsider, _) = try await api.member(other, "admin@elsewhere.org", role: "org_admin")
            #expect(try await api.get("/v1/orgs/\(org)/audit?format=csv", token: outsider).status == 404)
            #expect(try await api.get("/v1/orgs/\(org)/audit?format=xml", token: api.admin).status == 400)
            let audit = try await api.get("/v1/orgs/\(org)/audit?format=csv", token: api.admin)
            #expect(Self.lines(audit).first == "sequence,at,actor,action,target,details" && audit.text.contains("user.invited"))
        }
    }
}
