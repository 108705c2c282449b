// Microbenchmarks of the engine's parts: `swift package --package-path Benchmarks benchmark`.
// Each reports wall clock and allocations per operation; the command benchmarks run 1,000
// commands per sample on a state built before the measurement starts.
import Benchmark
import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity

#if canImport(Glibc)
import Glibc
#endif

let policy = Policy()
let start = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)

func seal(_ word: UInt64) -> LinkSeal {
    LinkSeal(nonce: Identifier(high: word, low: 1))
}

/// An org with `tenants` tenants, made by commands as the engine would.
func org(tenants: Int) -> OrgState {
    var state = OrgState(id: .random())
    _ = try! state.execute(.createOrganisation(name: "Bench Trust"), by: .platformAdmin, at: start, policy: policy)
    for index in 0..<tenants {
        _ = try! state.execute(.createTenant(id: .random(), name: "Tenant \(index)", reference: nil), by: .platformAdmin, at: start, policy: policy)
    }
    return state
}

func email(_ prefix: String, _ index: Int) -> EmailAddress { try! EmailAddress("\(prefix)\(index)@bench.example") }

func invite(_ index: Int, id: InvitationID = .random()) -> OrgCommand {
    .invite(id: id, email: email("p", index), role: .caseworker, method: .email, existingUserID: nil, seal: seal(UInt64(index)))
}

func collaborator(_ index: Int, on tenants: [TenantID]) -> OrgCommand {
    let person = OrgCommand.CollaboratorRequest.Person(userID: .random(), email: email("w", index), fullName: "Worker \(index)")
    return .inviteCollaborator(.init(id: .random(), tenantID: tenants[index % tenants.count], mode: .full, person: person, seal: seal(UInt64(index))))
}

/// Runs `commands` made after `prepare`, measuring only the commands.
func measureCommands(_ benchmark: Benchmark, prepare: (inout OrgState) -> [OrgCommand]) {
    var state = org(tenants: 64)
    let commands = prepare(&state)
    benchmark.startMeasurement()
    for command in commands {
        blackHole(try! state.execute(command, by: .platformAdmin, at: start, policy: policy))
    }
    benchmark.stopMeasurement()
}

func temporaryFolder() -> String {
    var template = Array("/tmp/muster-bench-XXXXXX".utf8CString)
    return String(cString: mkdtemp(&template))
}

/// Removes a sample's folder: every sample makes a log or snapshot of its own, and thousands
/// of preallocated segments would fill the disk.
func removeFolder(_ folder: String) {
    _ = system("rm -rf '\(folder)'")
}

/// A log in a new folder with small segments, so that preallocating them stays cheap.
func openLog(_ fsync: FsyncPolicy) -> (WriteAheadLog, String) {
    let folder = temporaryFolder()
    var configuration = LogConfiguration(directory: folder)
    configuration.fsyncPolicy = fsync
    configuration.segmentSize = 4 << 20
    return (try! WriteAheadLog(configuration: configuration, tail: .empty, fatal: { fatalError($0) }), folder)
}

var thousand: Benchmark.Configuration {
    .init(metrics: [.wallClock, .mallocCountTotal, .throughput], scalingFactor: .kilo, maxDuration: .seconds(3))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .throughput], maxDuration: .seconds(3))

    // MARK: decide + apply, per command type

    Benchmark("decide+apply createTenant", configuration: thousand) { benchmark in
        measureCommands(benchmark) { _ in (0..<1000).map { .createTenant(id: .random(), name: "Tenant \($0)", reference: nil) } }
    }
    Benchmark("decide+apply invite", configuration: thousand) { benchmark in
        measureCommands(benchmark) { _ in (0..<1000).map { invite($0) } }
    }
    Benchmark("decide+apply acceptInvitation", configuration: thousand) { benchmark in
        measureCommands(benchmark) { state in
            (0..<1000).map { index in
                let id = InvitationID.random()
                _ = try! state.execute(invite(index, id: id), by: .platformAdmin, at: start, policy: policy)
                return .acceptInvitation(
                    id: id,
                    link: LinkProof(nonce: Identifier(high: UInt64(index), low: 1), digest: SecretDigest(word0: UInt64(index), word1: 1)),
                    userID: .random(),
                    userIsNew: true
                )
            }
        }
    }
    Benchmark("decide+apply revokeInvitation", configuration: thousand) { benchmark in
        measureCommands(benchmark) { state in
            (0..<1000).map { index in
                let id = InvitationID.random()
                _ = try! state.execute(invite(index, id: id), by: .platformAdmin, at: start, policy: policy)
                return .revokeInvitation(id: id, reason: "sent in error")
            }
        }
    }
    Benchmark("decide+apply inviteCollaborator", configuration: thousand) { benchmark in
        measureCommands(benchmark) { state in
            let tenants = state.tenants.rows.map(\.id)
            return (0..<1000).map { collaborator($0, on: tenants) }
        }
    }
    Benchmark("decide+apply endCollaborator", configuration: thousand) { benchmark in
        measureCommands(benchmark) { state in
            let tenants = state.tenants.rows.map(\.id)
            return (0..<1000).map { index in
                guard case .inviteCollaborator(let request) = collaborator(index, on: tenants) else { fatalError("not a collaborator") }
                _ = try! state.execute(.inviteCollaborator(request), by: .platformAdmin, at: start, policy: policy)
                return .endCollaborator(id: request.id)
            }
        }
    }

    // MARK: event encoding

    let inviteRecord: LogRecord = {
        var state = org(tenants: 1)
        let records = try! state.execute(invite(1), by: .platformAdmin, at: start, policy: policy)
        return .org(state.id, records)
    }()
    Benchmark("encode invitation record") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(inviteRecord.encoded()) }
    }
    let inviteBytes = inviteRecord.encoded()
    Benchmark("decode invitation record") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! LogRecord(encoded: inviteBytes)) }
    }

    // MARK: log append, per fsync policy

    for (name, fsync) in [
        ("group commit", FsyncPolicy.groupCommit), ("every record", .everyRecord), ("interval 10 ms", .interval(milliseconds: 10)), ("none", .none),
    ] {
        Benchmark(
            "log append+durable, one writer, \(name)",
            configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput], maxDuration: .seconds(2))
        ) { benchmark in
            let (log, folder) = openLog(fsync)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try! await log.waitUntilDurable(try! log.append(inviteRecord))
            }
            benchmark.stopMeasurement()
            log.close()
            removeFolder(folder)
        }
        Benchmark("log append 1000 then durable, \(name)", configuration: thousand) { benchmark in
            let (log, folder) = openLog(fsync)
            benchmark.startMeasurement()
            var last: LogPosition = 0
            for _ in benchmark.scaledIterations { last = try! log.append(inviteRecord) }
            try! await log.waitUntilDurable(last)
            benchmark.stopMeasurement()
            log.close()
            removeFolder(folder)
        }
    }

    // MARK: snapshots

    // 20 orgs × 1,000 tenants, each with a collaborator, plus 1,000 invitations per org.
    let snapshot: Snapshot = {
        let orgs = (0..<20).map { _ in
            var state = org(tenants: 1000)
            let tenants = state.tenants.rows.map(\.id)
            for index in 0..<1000 {
                _ = try! state.execute(collaborator(index, on: tenants), by: .platformAdmin, at: start, policy: policy)
                _ = try! state.execute(invite(index), by: .platformAdmin, at: start, policy: policy)
            }
            return state
        }
        return Snapshot(position: 1, directory: DirectoryState(), orgs: orgs)
    }()
    let snapshotConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(5),
        maxIterations: 20
    )
    Benchmark("snapshot write, 20k collaborators + 20k invitations", configuration: snapshotConfiguration) { benchmark in
        let folder = temporaryFolder()
        let store = SnapshotStore(directory: folder)
        benchmark.startMeasurement()
        blackHole(try! store.write(snapshot))
        benchmark.stopMeasurement()
        removeFolder(folder)
    }
    let snapshotFolder = temporaryFolder()
    let written = try! SnapshotStore(directory: snapshotFolder).write(snapshot)
    Benchmark("snapshot load, 20k collaborators + 20k invitations", configuration: snapshotConfiguration) { benchmark in
        blackHole(try! SnapshotStore(directory: snapshotFolder).load(written.path))
    }

    // MARK: caseload

    Benchmark("caseload lookup, 5 assignments in 5 orgs") { benchmark in
        let engine = MusterEngine(secret: Array(repeating: 7, count: 32), sink: InMemoryEventSink(), hasher: PasswordHasher(rounds: 1000))
        let person = try! EmailAddress("reader@bench.example")
        var userID: UserID?
        for index in 0..<5 {
            let orgID = try! await engine.createOrganisation(name: "Org \(index)", by: .platformAdmin)
            let tenant = try! await engine.createTenant(org: orgID, name: "Tenant", by: .platformAdmin)
            let issued = try! await engine.inviteCollaborator(
                org: orgID,
                tenant: tenant.id,
                mode: .full,
                invitee: .person(email: person, fullName: "Reader"),
                by: .platformAdmin
            )
            userID = issued.collaborator.userID
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try! await engine.caseload(of: userID!)) }
    }
}
