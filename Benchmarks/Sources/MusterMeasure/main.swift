// The engine end to end, the large data generator and the recovery timer. Build in release
// (`swift build -c release --package-path Benchmarks`), then:
//
//   MusterMeasure throughput <empty folder> [tenant|invite|onboard|bulk]   256 clients, group commit
//   MusterMeasure generate <empty folder> [orgs] [tenants per org] [invitations per org]
//   MusterMeasure recover <generated folder> <muster binary> [snapshot,log,tail]
//   MusterMeasure redis-export <generated folder> <output.resp>
//   MusterMeasure memory <generated folder>                        where a loaded snapshot's bytes go
import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: MusterMeasure throughput|generate|recover|memory|redis-export <folder> [...]")
    exit(64)
}
let folder = arguments[2]

do {
    switch arguments[1] {
    case "throughput":
        // 256 concurrent clients over 64 orgs, group commit: one-event commands (tenant), an
        // invitation each (invite), invite + accept + assign each (onboard), or batches of
        // 1,000 invitations (bulk: 64 clients, one an org, 10 batches each; one event an item).
        let kind = arguments.count > 3 ? arguments[3] : "tenant"
        let durable = try await DurableEngine.open(
            StoreOptions(dataDirectory: folder),
            secret: Array(repeating: 1, count: 32),
            hasher: PasswordHasher(rounds: 1000)
        )
        let engine = durable.engine
        var orgs = [OrganisationID]()
        var tenants = [TenantID]()
        for index in 0..<64 {
            let orgID = try await engine.createOrganisation(name: "org \(index)", by: .platformAdmin)
            orgs.append(orgID)
            tenants.append(try await engine.createTenant(org: orgID, name: "tenant", by: .platformAdmin).id)
        }
        let batch = 1000
        let perClient = kind == "tenant" ? 4000 : kind == "bulk" ? 10 : 400
        let clients = kind == "bulk" ? 64 : 256
        let before = durable.log.lastAssignedPosition
        let start = seconds()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                let orgID = orgs[client % orgs.count]
                let tenantID = tenants[client % orgs.count]
                group.addTask {
                    for index in 0..<perClient {
                        switch kind {
                        case "tenant":
                            _ = try await engine.createTenant(org: orgID, name: "t\(client)-\(index)", by: .platformAdmin)
                        case "bulk":
                            let requests = try (0..<batch).map { item in
                                (
                                    email: try EmailAddress("b\(client)-\(index)-\(item)@bench.example"),
                                    role: Role.caseworker,
                                    method: Invitation.Method.email,
                                    lifetimeDays: Int?.none,
                                    locale: LocaleTag?.none,
                                    redirect: RedirectURL?.none
                                )
                            }
                            let results = try await engine.invite(org: orgID, batch: requests, by: .platformAdmin)
                            for result in results { _ = try result.get() }
                        case "invite":
                            _ = try await engine.invite(
                                org: orgID,
                                email: try EmailAddress("p\(client)-\(index)@bench.example"),
                                role: .caseworker,
                                method: .email,
                                by: .platformAdmin
                            )
                        default:
                            let email = try EmailAddress("w\(client)-\(index)@bench.example")
                            let issued = try await engine.invite(org: orgID, email: email, role: .caseworker, method: .email, by: .platformAdmin)
                            _ = try await engine.acceptInvitation(token: issued.token)
                            _ = try await engine.inviteCollaborator(
                                org: orgID,
                                tenant: tenantID,
                                mode: .full,
                                invitee: .person(email: email, fullName: "Worker"),
                                by: .platformAdmin
                            )
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = seconds() - start
        let operations = clients * perClient * (kind == "bulk" ? batch : 1)
        let records = Int(durable.log.lastAssignedPosition - before)
        durable.close()
        let scan = try LogRecovery.scan(LogConfiguration(directory: folder + "/log"), repair: false)
        let events = scan.eventCount
        print(
            "throughput \(kind): \(operations) operations (\(records) log records) in \(String(format: "%.2f", elapsed)) s = \(Int(Double(operations) / elapsed)) operations/s, \(Int(Double(records) / elapsed)) records/s"
        )
        print(
            "throughput \(kind): log \(scan.bytes) bytes, \(events) events in \(scan.frames) frames: \(String(format: "%.1f", Double(scan.bytes) / Double(events))) bytes/event"
        )
        print(
            String(
                format: "RESULT kind=%@ ops_per_s=%.0f records_per_s=%.0f log_bytes_per_event=%.1f",
                kind,
                Double(operations) / elapsed,
                Double(records) / elapsed,
                Double(scan.bytes) / Double(events)
            )
        )

    case "generate":
        var generator = Generator(folder: folder)
        if arguments.count > 3 { generator.orgs = Int(arguments[3]) ?? generator.orgs }
        if arguments.count > 4 { generator.tenantsPerOrg = Int(arguments[4]) ?? generator.tenantsPerOrg }
        if arguments.count > 5 { generator.invitationsPerOrg = Int(arguments[5]) ?? generator.invitationsPerOrg }
        let counts = try await generator.run()
        print(
            String(
                format: "RESULT generated_records=%d log_bytes_per_event=%.1f",
                counts.collaborators + counts.invitations,
                Double(counts.logBytes) / Double(max(1, counts.events))
            )
        )

    case "recover":
        guard arguments.count >= 4 else { throw MeasureError("recover needs the generated folder and the muster binary") }
        let modes = arguments.count > 4 ? arguments[4].split(separator: ",").map(String.init) : ["snapshot", "log", "tail"]
        try RecoveryTimer(folder: folder, muster: arguments[3]).run(modes: modes)

    case "memory":
        try MemoryCensus(folder: folder).run()

    case "redis-export":
        guard arguments.count >= 4 else { throw MeasureError("redis-export needs the generated folder and an output file") }
        try await RedisExport(folder: folder, output: arguments[3]).run()

    default:
        throw MeasureError("unknown measurement \(arguments[1])")
    }
} catch {
    print("MusterMeasure: \(error)")
    exit(1)
}
