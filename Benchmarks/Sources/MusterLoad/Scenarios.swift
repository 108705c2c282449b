import Foundation
import NIOHTTP1

/// The workloads of the load generator: each sets up what it needs through the API, then
/// measures; answers are checked by status and, where it matters, by content.
struct Scenarios: Sendable {
    let client: LoadClient
    let options: [String: String]
    let dataFolder: String
    let count: Int
    /// Makes this run's emails unique, so runs against one server never collide.
    let runTag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    let plan: RunPlan

    func run(_ scenario: String) async throws {
        switch scenario {
        case "hello":
            report(scenario, try await client.run(plan) { _, _ in get("/hello", token: nil) })

        case "healthz":
            report(scenario, try await client.run(plan) { _, _ in get("/healthz", token: nil) })

        case "invite":
            let (admin, orgs) = try await sixteenOrgs()
            report(
                scenario,
                try await client.run(plan) { connection, sequence in
                    post(
                        "/v1/orgs/\(orgs[(connection + sequence) % orgs.count])/invitations",
                        invitationBody("i\(runTag)-\(connection)-\(sequence)@load.example"),
                        token: admin
                    )
                },
                unit: "invitations"
            )

        case "bulk":
            let (admin, orgs) = try await sixteenOrgs()
            report(
                scenario,
                try await client.run(plan) { connection, sequence in
                    batch("/v1/orgs/\(orgs[(connection + sequence) % orgs.count])/invitations/batch", size: 1000, token: admin) {
                        #"{"email":"b\#(runTag)-\#(connection)-\#(sequence)-\#($0)@load.example","role":"caseworker"}"#
                    }
                },
                unit: "invitations"
            )

        case "accept":
            // Single-use tokens: `--count` invitations are made in bulk, their emails read, and
            // each link accepted once; the run ends when all are accepted.
            let (admin, orgs) = try await sixteenOrgs()
            let prefix = "a\(runTag)-"
            _ = try await client.setUp(
                (0..<(count + 999) / 1000).map { chunk in
                    batch("/v1/orgs/\(orgs[chunk % orgs.count])/invitations/batch", size: min(1000, count - chunk * 1000), token: admin) {
                        #"{"email":"\#(prefix)\#(chunk * 1000 + $0)@load.example","role":"caseworker"}"#
                    }
                },
                connections: 4
            )
            let tokens = try Mailbox(folder: dataFolder + "/mail").tokens(recipientPrefix: prefix, expected: count).values.flatMap { $0 }
            let drain = RunPlan(connections: plan.connections, duration: nil, warmup: 0, rate: plan.rate)
            let queue = RequestQueue(tokens.map { post("/v1/invitations/accept", #"{"token":"\#($0)"}"#, token: nil, expect: .ok) })
            report(scenario, try await client.run(drain, queue.source), unit: "acceptances", plan: drain)

        case "collaborator":
            let admin = try adminToken()
            let tenants = try await makeTenants(orgs: 16, tenantsPerOrg: 8, admin: admin).tenants
            report(
                scenario,
                try await client.run(plan) { connection, sequence in
                    post(
                        "/v1/orgs/\(tenants[(connection * 7 + sequence) % tenants.count])/collaborators",
                        collaboratorBody("c\(runTag)-\(connection)-\(sequence)@load.example"),
                        token: admin
                    )
                },
                unit: "collaborator invitations"
            )

        case "end":
            // `--count` assignments are made in bulk, then each is ended once.
            let admin = try adminToken()
            let tenants = try await makeTenants(orgs: 16, tenantsPerOrg: 8, admin: admin).tenants
            let perTenant = (count + tenants.count - 1) / tenants.count
            let rows = try await client.setUp(
                tenants.map { tenant in
                    batch(
                        "/v1/orgs/\(tenant)/collaborators/batch",
                        size: perTenant,
                        token: admin,
                        item: { collaboratorBody("e\(runTag)-\(tenant.suffix(8))-\($0)@load.example") },
                        keep: { text in keepBatchIDs(text).map { "\(tenant)/collaborators/\($0)/end" } }
                    )
                },
                connections: 4
            )
            let drain = RunPlan(connections: plan.connections, duration: nil, warmup: 0, rate: plan.rate)
            let queue = RequestQueue(rows.map { post("/v1/orgs/\($0)", "{}", token: admin, expect: .ok) })
            report(scenario, try await client.run(drain, queue.source), unit: "ends", plan: drain)

        case "caseload", "workspace":
            let people = try await signedInPeople(Int(options["people"] ?? "") ?? 256, assignments: 3, admin: try adminToken())
            let wantsCaseload = scenario == "caseload"
            report(
                scenario,
                try await client.run(plan) { connection, sequence in
                    let person = people[(connection * 31 + sequence) % people.count]
                    return wantsCaseload
                        ? get("/v1/me/caseload", token: person.session) {
                            $0.contains(#""count":3"#) ? nil : "caseload is not 3 entries: \($0.prefix(200))"
                        }
                        : get("/v1/orgs/\(person.tenant)/workspace", token: person.session)
                }
            )

        case "check", "check-batch":
            // An app backend asking before it shows a case: 256 signed-in full collaborators,
            // each asked about their own tenant (allowed) — one check a request, or 1,000.
            let admin = try adminToken()
            let people = try await signedInPeople(256, assignments: 1, admin: admin)
            // Answers come back in any order: each kept line says whose it is.
            var userIDs = [Int: String]()
            let lookups = people.indices.map { index -> LoadRequest in
                var request = get("/v1/me", token: people[index].session)
                request.keep = { ["\(index) " + ((jsonField($0, "user", "id") as? String) ?? "?")] }
                return request
            }
            for line in try await client.setUp(lookups) {
                let parts = line.split(separator: " ")
                userIDs[Int(parts[0])!] = String(parts[1])
            }
            let checks = people.indices.map { index in
                let (userID, person) = (userIDs[index] ?? "?", people[index])
                let parts = person.tenant.split(separator: "/")
                return (org: String(parts[0]), body: #"{"user_id":"\#(userID)","tenant_id":"\#(parts[2])","action":"write_shared_notes"}"#)
            }
            if scenario == "check" {
                report(
                    scenario,
                    try await client.run(plan) { connection, sequence in
                        let check = checks[(connection * 31 + sequence) % checks.count]
                        return post(
                            "/v1/orgs/\(check.org)/access/check",
                            check.body,
                            token: admin,
                            expect: .ok,
                            check: { $0.hasPrefix(#"{"allowed":true"#) ? nil : "not allowed: \($0.prefix(200))" }
                        )
                    },
                    unit: "decisions"
                )
            } else {
                // A batch asks within one org: its people's checks, repeated up to 1,000.
                let org = checks[0].org
                let own = checks.filter { $0.org == org }.map(\.body)
                let body = #"{"checks":["# + (0..<1000).map { own[$0 % own.count] }.joined(separator: ",") + "]}"
                report(
                    scenario,
                    try await client.run(plan) { _, _ in
                        post(
                            "/v1/orgs/\(org)/access/check/batch",
                            body,
                            token: admin,
                            expect: .ok,
                            operations: 1000,
                            check: { $0.contains(#""allowed":false"#) ? "a check was refused: \($0.prefix(200))" : nil }
                        )
                    },
                    unit: "decisions"
                )
            }

        case "mix":
            // Half caseload reads, a fifth workspace reads, a fifth invitations, a tenth
            // collaborator invitations: an app backend's day.
            let admin = try adminToken()
            let people = try await signedInPeople(256, assignments: 3, admin: admin)
            let tenants = try await makeTenants(orgs: 16, tenantsPerOrg: 8, admin: admin).tenants
            report(
                scenario,
                try await client.run(plan) { connection, sequence in
                    let person = people[(connection * 31 + sequence) % people.count]
                    switch sequence % 10 {
                    case 0..<5: return get("/v1/me/caseload", token: person.session)
                    case 5..<7: return get("/v1/orgs/\(person.tenant)/workspace", token: person.session)
                    case 7..<9:
                        let org = tenants[(connection + sequence) % tenants.count].split(separator: "/")[0]
                        return post("/v1/orgs/\(org)/invitations", invitationBody("m\(runTag)-\(connection)-\(sequence)@load.example"), token: admin)
                    default:
                        return post(
                            "/v1/orgs/\(tenants[(connection + sequence) % tenants.count])/collaborators",
                            collaboratorBody("n\(runTag)-\(connection)-\(sequence)@load.example"),
                            token: admin
                        )
                    }
                }
            )

        case "drain":
            // A backlog of `--count` emails (made in bulk, 1,000 invitations a request), then
            // the outbox's own counters read until every one is delivered: the rate at which
            // the outbox writes emails when nothing else competes for the cores.
            let (admin, orgs) = try await sixteenOrgs()
            let before = try await outboxCounts(admin)
            let started = Date()
            _ = try await client.setUp(
                (0..<(count + 999) / 1000).map { chunk in
                    batch("/v1/orgs/\(orgs[chunk % orgs.count])/invitations/batch", size: min(1000, count - chunk * 1000), token: admin) {
                        #"{"email":"d\#(runTag)-\#(chunk * 1000 + $0)@load.example","role":"caseworker"}"#
                    }
                },
                connections: 4
            )
            let created = Date()
            var counts = try await outboxCounts(admin)
            let backlog = count - (counts.delivered - before.delivered)
            while counts.delivered - before.delivered < count {
                try await Task.sleep(for: .milliseconds(100))
                counts = try await outboxCounts(admin)
                guard counts.abandoned == before.abandoned else { throw LoadError("the outbox gave up on an email") }
            }
            let finished = Date()
            let drainSeconds = finished.timeIntervalSince(created)
            print(
                "drain: \(count) invitations made in \(String(format: "%.1f", created.timeIntervalSince(started))) s; \(backlog) emails still waiting then"
            )
            print(
                "  every email delivered \(String(format: "%.1f", finished.timeIntervalSince(started))) s after the first request; the backlog drained at \(Int(Double(backlog) / max(drainSeconds, 0.001))) emails/s"
            )
            print(
                String(
                    format: "RESULT scenario=drain emails=%d backlog=%d drain_emails_per_s=%.0f total_s=%.2f",
                    count,
                    backlog,
                    Double(backlog) / max(drainSeconds, 0.001),
                    finished.timeIntervalSince(started)
                )
            )

        default:
            throw LoadError("unknown scenario \(scenario)")
        }
    }

    /// The outbox's delivered and abandoned counts, as `GET /v1/outbox` reports them.
    func outboxCounts(_ admin: String) async throws -> (delivered: Int, abandoned: Int) {
        let answer = try await client.setUp(
            [
                LoadRequest(
                    method: .GET,
                    uri: "/v1/outbox",
                    bearer: admin,
                    body: nil,
                    expected: .ok,
                    keep: { ["\(jsonField($0, "delivered") as? Int ?? -1) \(jsonField($0, "abandoned") as? Int ?? -1)"] }
                )
            ],
            connections: 1
        )
        let parts = (answer.first ?? "").split(separator: " ").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 0 else { throw LoadError("GET /v1/outbox did not answer with its counts") }
        return (parts[0], parts[1])
    }

    /// The admin token the server printed at first start, from the data folder (or `--admin-token`).
    func adminToken() throws -> String {
        if let token = options["admin-token"] { return token }
        return try String(contentsOfFile: dataFolder + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func post(
        _ uri: String,
        _ body: String,
        token: String?,
        expect: HTTPResponseStatus = .created,
        operations: Int = 1,
        check: (@Sendable (String) -> String?)? = nil,
        keep: (@Sendable (String) -> [String])? = nil
    ) -> LoadRequest {
        LoadRequest(method: .POST, uri: uri, bearer: token, body: body, expected: expect, operations: operations, check: check, keep: keep)
    }

    func get(_ uri: String, token: String?, check: (@Sendable (String) -> String?)? = nil) -> LoadRequest {
        LoadRequest(method: .GET, uri: uri, bearer: token, body: nil, expected: .ok, check: check)
    }

    func keepID(_ text: String) -> [String] { [jsonField(text, "id") as? String ?? "?"] }

    func invitationBody(_ email: String) -> String { #"{"email":"\#(email)","role":"caseworker"}"# }

    func collaboratorBody(_ email: String) -> String { #"{"mode":"full","email":"\#(email)","full_name":"Load Worker"}"# }

    /// A bulk body of `size` items made by `item`, and a check that every item succeeded.
    func batch(_ uri: String, size: Int, token: String, item: (Int) -> String, keep: (@Sendable (String) -> [String])? = nil) -> LoadRequest {
        let body = #"{"items":["# + (0..<size).map(item).joined(separator: ",") + "]}"
        return post(
            uri,
            body,
            token: token,
            expect: .ok,
            operations: size,
            check: { text in
                text.contains(#""succeeded":\#(size),"#) ? nil : "not every item succeeded: \(text.prefix(300))"
            },
            keep: keep
        )
    }

    /// The ids of the results of a good bulk answer.
    func keepBatchIDs(_ text: String) -> [String] {
        ((jsonField(text, "results") as? [[String: Any]]) ?? []).compactMap { ($0["result"] as? [String: Any])?["id"] as? String }
    }

    /// The admin token and 16 new orgs: where the invitation scenarios send their requests.
    func sixteenOrgs() async throws -> (admin: String, orgs: [String]) {
        let admin = try adminToken()
        return (admin, try await makeTenants(orgs: 16, tenantsPerOrg: 0, admin: admin).orgs)
    }

    /// Creates `count` orgs and `tenantsPerOrg` tenants in each; returns "org/tenant" paths.
    func makeTenants(orgs count: Int, tenantsPerOrg: Int, admin: String) async throws -> (orgs: [String], tenants: [String]) {
        let orgs = try await client.setUp((0..<count).map { post("/v1/orgs", #"{"name":"Load \#(runTag) \#($0)"}"#, token: admin, keep: keepID) })
        let tenants = try await client.setUp(
            orgs.flatMap { org in
                (0..<tenantsPerOrg).map { index in
                    post(
                        "/v1/orgs/\(org)/tenants",
                        #"{"name":"Tenant \#(index)"}"#,
                        token: admin,
                        keep: { ["\(org)/tenants/" + (keepID($0).first ?? "")] }
                    )
                }
            }
        )
        return (orgs, tenants)
    }

    /// People signed in through their collaborator links: each is a full collaborator on
    /// `assignments` tenants (in different orgs when there are enough); returns (session, a
    /// tenant path they may open).
    func signedInPeople(_ people: Int, assignments: Int, admin: String) async throws -> [(session: String, tenant: String)] {
        let (_, tenants) = try await makeTenants(orgs: max(assignments, 8), tenantsPerOrg: 32, admin: admin)
        let prefix = "reader-\(runTag)-"
        var invites = [LoadRequest]()
        var firstTenant = [String]()
        for person in 0..<people {
            for slot in 0..<assignments {
                let tenant = tenants[(person * assignments + slot * 37) % tenants.count]
                if slot == 0 { firstTenant.append(tenant) }
                invites.append(post("/v1/orgs/\(tenant)/collaborators", collaboratorBody("\(prefix)\(person)@load.example"), token: admin))
            }
        }
        _ = try await client.setUp(invites)
        let tokens = try Mailbox(folder: dataFolder + "/mail").tokens(recipientPrefix: prefix, expected: people * assignments)
        var verifies = [LoadRequest]()
        for person in 0..<people {
            for token in tokens["\(prefix)\(person)@load.example"] ?? [] {
                verifies.append(
                    post(
                        "/v1/auth/verify",
                        #"{"token":"\#(token)"}"#,
                        token: nil,
                        expect: .ok,
                        keep: { ["\(person) " + ((jsonField($0, "session_token") as? String) ?? "")] }
                    )
                )
            }
        }
        var sessions = [Int: String]()
        for line in try await client.setUp(verifies) {
            let parts = line.split(separator: " ")
            sessions[Int(parts[0])!] = String(parts[1])
        }
        return (0..<people).map { (sessions[$0] ?? "", firstTenant[$0]) }
    }

    func report(_ name: String, _ result: RunResult, unit: String = "requests", plan: RunPlan? = nil) {
        let plan = plan ?? self.plan
        let mode = plan.rate.map { "open loop at \(Int($0)) req/s" } ?? "closed loop"
        print("\(name): \(plan.connections) connections, \(mode), \(String(format: "%.1f", result.seconds)) s measured")
        print(
            "  \(result.requests) good answers, \(result.wrong) wrong; \(Int(result.operationsPerSecond)) \(unit)/s (\(Int(result.requestsPerSecond)) requests/s)"
        )
        print(
            String(
                format: "  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f",
                result.milliseconds(50),
                result.milliseconds(90),
                result.milliseconds(99),
                result.milliseconds(99.9),
                Double(result.latency.max) / 1000
            )
        )
        for sample in result.wrongSamples { print("  wrong: \(sample)") }
        print(
            String(
                format: "RESULT scenario=%@ ops_per_s=%.0f requests_per_s=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f wrong=%d",
                name,
                result.operationsPerSecond,
                result.requestsPerSecond,
                result.milliseconds(50),
                result.milliseconds(90),
                result.milliseconds(99),
                result.milliseconds(99.9),
                result.wrong
            )
        )
    }
}
