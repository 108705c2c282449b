// Measures the durable engine end to end. Build and run in release:
//
//   swift run -c release --package-path Benchmarks MusterMeasure throughput <empty folder>
//   swift run -c release --package-path Benchmarks MusterMeasure generate <empty folder> 1000000
//   swift run -c release --package-path Benchmarks MusterMeasure load <folder from generate>
import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity

#if canImport(Glibc)
import Glibc
#endif

func seconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The resident set size in kB, from /proc.
func residentKilobytes() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, file) != nil {
        let text = String(cString: line)
        if text.hasPrefix("VmRSS:") { return Int(text.split(separator: " ")[1]) ?? 0 }
    }
    return 0
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: MusterMeasure throughput|generate|load <folder> [count]")
    exit(64)
}
let folder = arguments[2]

switch arguments[1] {
case "throughput":
    // 256 concurrent clients over 64 orgs, each command one event, group commit.
    let durable = try await DurableEngine.open(StoreOptions(dataDirectory: folder), secret: Array(repeating: 1, count: 32), hasher: PasswordHasher(rounds: 1000))
    let engine = durable.engine
    var orgs = [OrganisationID]()
    for index in 0..<64 { orgs.append(try await engine.createOrganisation(name: "org \(index)", by: .platformAdmin)) }
    let perClient = 4000
    let clients = 256
    let start = seconds()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for client in 0..<clients {
            let orgID = orgs[client % orgs.count]
            group.addTask {
                for index in 0..<perClient { _ = try await engine.createTenant(org: orgID, name: "t\(client)-\(index)", by: .platformAdmin) }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = seconds() - start
    print("group commit: \(clients * perClient) one-event commands in \(elapsed) s = \(Int(Double(clients * perClient) / elapsed)) events/s")
    durable.close()
    let scan = try LogRecovery.scan(LogConfiguration(directory: folder + "/log"), repair: false)
    print("log: \(scan.bytes) bytes, \(scan.records.count) records, \(scan.frames) frames: \(Double(scan.bytes) / Double(scan.records.count)) bytes/event")

case "generate":
    // `count` tenants over orgs of 1,000, each with one full collaborator, plus `count`
    // pending invitations; built directly in state and written as one snapshot.
    let count = arguments.count > 3 ? Int(arguments[3]) ?? 1_000_000 : 1_000_000
    let policy = Policy()
    var now = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)
    var orgs = [OrgState]()
    for orgIndex in 0..<(count / 1000) {
        var state = OrgState(id: .random())
        _ = try state.execute(.createOrganisation(name: "Org \(orgIndex)"), by: .platformAdmin, at: now, policy: policy)
        for index in 0..<1000 {
            let tenantID = TenantID.random()
            let seal = LinkSeal(digest: SecretDigest(word0: .random(in: 0 ... .max), word1: 1, word2: 2, word3: 3), nonce: .random())
            _ = try state.execute(.createTenant(id: tenantID, name: "Tenant \(index)", reference: nil), by: .platformAdmin, at: now, policy: policy)
            let person = OrgCommand.CollaboratorRequest.Person(userID: .random(), email: try EmailAddress("w\(orgIndex)-\(index)@support.example"), fullName: "Worker \(index)")
            _ = try state.execute(.inviteCollaborator(.init(id: .random(), tenantID: tenantID, mode: .full, person: person, seal: seal)), by: .platformAdmin, at: now, policy: policy)
            _ = try state.execute(.invite(id: .random(), email: try EmailAddress("p\(orgIndex)-\(index)@example.org"), role: .caseworker, method: .email, existingUserID: nil, seal: seal), by: .platformAdmin, at: now, policy: policy)
            now = now.adding(Span(milliseconds: 1))
        }
        orgs.append(state)
    }
    let resident = residentKilobytes()
    let start = seconds()
    let written = try SnapshotStore(directory: folder + "/snapshots").write(Snapshot(position: 0, directory: DirectoryState(), orgs: orgs))
    print("snapshot of \(count) collaborators + \(count) invitations: \(written.bytes) bytes in \(seconds() - start) s; resident \(resident) kB")

case "load":
    let before = residentKilobytes()
    let start = seconds()
    let durable = try await DurableEngine.open(StoreOptions(dataDirectory: folder), secret: Array(repeating: 1, count: 32))
    let elapsed = seconds() - start
    print(durable.report)
    print("open in \(elapsed) s; resident grew \(residentKilobytes() - before) kB")
    durable.close()

default:
    print("unknown measurement \(arguments[1])")
    exit(64)
}
