// The crash driver: runs the durable engine in its own process and prints a line for every
// change the engine acknowledged, so a test can kill it with SIGKILL at any moment and then
// check that every acknowledged change survived. Usage: MusterCrashDriver <data folder> <round>
import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity

#if canImport(Glibc)
import Glibc
#endif

/// Writes one line to standard output at once (no buffering survives a SIGKILL).
func acknowledge(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    acknowledge("usage: MusterCrashDriver <data folder> <round>")
    exit(64)
}
let round = arguments[2]
let durable = try await DurableEngine.open(
    StoreOptions(dataDirectory: arguments[1]),
    secret: Array(repeating: 42, count: 32),
    hasher: PasswordHasher(rounds: 1_000)
)
let engine = durable.engine
let orgID = try await engine.createOrganisation(name: "crash-\(round)", by: .platformAdmin)
acknowledge("O \(orgID)")
try await withThrowingTaskGroup(of: Void.self) { group in
    for worker in 0..<4 {
        group.addTask {
            for index in 0..<100_000 {
                let name = "r\(round)-w\(worker)-\(index)"
                _ = try await engine.createTenant(org: orgID, name: name, by: .platformAdmin)
                acknowledge("T \(orgID) \(name)")
                if index % 3 == 0 {
                    let email = try EmailAddress("\(name)@crash.example")
                    let issued = try await engine.invite(org: orgID, email: email, role: .caseworker, method: .email, by: .platformAdmin)
                    _ = try await engine.acceptInvitation(token: issued.token)
                    acknowledge("A \(orgID) \(email)")
                }
                if worker == 0, index % 50 == 25 {
                    try await durable.snapshot()
                }
            }
        }
    }
    try await group.waitForAll()
}
durable.close()
