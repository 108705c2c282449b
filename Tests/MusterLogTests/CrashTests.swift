import MusterDomain
import MusterEngine
import MusterSecurity
import MusterStorage
import MusterTestSupport
import Testing

@testable import MusterLog

#if canImport(Glibc)
import Glibc
#endif

/// Kills the engine's process with SIGKILL at random moments and checks, after each restart,
/// that every change it acknowledged is there and that every command is all or nothing.
@Suite struct CrashTests {
    /// The crash driver, built beside the test bundle.
    static var driverPath: String {
        let bundle = CommandLine.arguments[0]
        var directory = String(bundle[..<(bundle.lastIndex(of: "/") ?? bundle.startIndex)])
        // On Linux the test binary sits in the build folder; on macOS inside the .xctest bundle.
        while !directory.isEmpty, access(directory + "/MusterCrashDriver", X_OK) != 0 {
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        }
        return directory + "/MusterCrashDriver"
    }

    /// Runs the driver for about `milliseconds`, kills it with SIGKILL, and returns every
    /// complete line it printed.
    static func runAndKill(dataDirectory: String, round: Int, milliseconds: Int) throws -> [String] {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw LogError.failed("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        let argv: [UnsafeMutablePointer<CChar>?] = [driverPath, dataDirectory, String(round)].map { text in text.withCString { strdup($0) } } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, driverPath, &actions, nil, argv, environ) == 0 else { throw LogError.failed("cannot start \(driverPath)") }
        close(pipeEnds[1])

        // Read until the deadline, then kill, then drain what is left.
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        let flags = fcntl(pipeEnds[0], F_GETFL)
        _ = fcntl(pipeEnds[0], F_SETFL, flags | O_NONBLOCK)
        let deadline = WriteAheadLog.monotonicMilliseconds() + Int64(milliseconds)
        while WriteAheadLog.monotonicMilliseconds() < deadline {
            let count = read(pipeEnds[0], &buffer, buffer.count)
            if count > 0 { output.append(contentsOf: buffer[0..<count]) } else { usleep(1000) }
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        _ = fcntl(pipeEnds[0], F_SETFL, flags)
        while true {
            let count = read(pipeEnds[0], &buffer, buffer.count)
            guard count > 0 else { break }
            output.append(contentsOf: buffer[0..<count])
        }
        close(pipeEnds[0])
        // A line cut by the kill has no newline: it was never a complete acknowledgement.
        let text = String(decoding: output, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()
        return lines
    }

    @Test func everyAcknowledgedChangeSurvivesSIGKILLAndEveryCommandIsAllOrNothing() async throws {
        let directory = TemporaryDirectory()
        var tenants = [OrganisationID: Set<String>]()
        var members = [OrganisationID: Set<String>]()
        var generator = SystemRandomNumberGenerator()
        var totalAcknowledged = 0
        for round in 0..<20 {
            let lines = try Self.runAndKill(dataDirectory: directory.path, round: round, milliseconds: Int.random(in: 150...700, using: &generator))
            for line in lines {
                let parts = line.split(separator: " ").map(String.init)
                guard parts.count >= 2, let orgID = OrganisationID(parts[1]) else {
                    Issue.record("unexpected driver output: \(line)")
                    continue
                }
                switch parts[0] {
                case "O": tenants[orgID, default: []].formUnion([])
                case "T": tenants[orgID, default: []].insert(parts[2])
                case "A": members[orgID, default: []].insert(parts[2])
                default: Issue.record("unexpected driver output: \(line)")
                }
                totalAcknowledged += 1
            }

            let durable = try await DurableEngine.open(
                StoreOptions(dataDirectory: directory.path),
                secret: Array(repeating: 42, count: 32),
                hasher: PasswordHasher(rounds: 1_000)
            )
            let states = Dictionary(uniqueKeysWithValues: await durable.engine.orgStates().map { ($0.id, $0) })
            for (orgID, names) in tenants {
                let state = try #require(states[orgID], "round \(round): acknowledged org \(orgID) is missing")
                let present = Set(state.tenants.rows.map(\.name))
                #expect(names.isSubset(of: present), "round \(round): \(names.subtracting(present).count) acknowledged tenants lost")
            }
            for (orgID, emails) in members {
                let present = Set(states[orgID]?.members.values.map(\.email.value) ?? [])
                #expect(emails.isSubset(of: present), "round \(round): acknowledged members lost")
            }
            for state in states.values {
                // All or nothing: an accepted invitation always has its member, and the audit
                // trail has exactly one line per applied event.
                for invitation in state.invitations.rows where invitation.status == .accepted {
                    #expect(state.activeMember(email: invitation.email) != nil, "round \(round): half an acceptance")
                }
                #expect(state.audit.count == Int(state.version))
            }
            let directoryState = await durable.engine.directoryState()
            for state in states.values {
                for member in state.members.values {
                    #expect(directoryState.users[member.userID] != nil, "round \(round): a member without a user")
                }
            }
            durable.close()
        }
        #expect(totalAcknowledged > 100, "the driver acknowledged too little to prove anything")
    }
}
