import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Kills a real `muster serve` with SIGKILL while invitations pour in and their emails are
/// being written, restarts it on the same folder, and checks what a person's inbox would show.
/// The emails of a bulk answer's items that were created.
private func createdItems(_ answer: (status: Int, body: Data), _ emails: [String]) -> [String] {
    guard answer.status == 200, let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
        let results = object["results"] as? [[String: Any]]
    else { return [] }
    return results.compactMap { result in
        guard result["status"] as? Int == 201, let index = result["index"] as? Int, emails.indices.contains(index) else { return nil }
        return emails[index]
    }
}

@Suite("Emails across kill -9")
struct EmailCrashTests {
    /// What the client threads share: the addresses whose invitation was acknowledged, and when to stop.
    private final class Shared: Sendable {
        let emails = Mutex<Set<String>>([])
        let stopped = Atomic<Bool>(false)
    }

    static let token = "crash-test-admin-token-0123456789"

    /// Starts the server on `folder` and waits for `/readyz`.
    private static func start(_ folder: String, port: Int) async throws -> MusterProcess {
        let server = try MusterProcess(
            ["serve", "--data-dir", folder, "--port", String(port), "--admin-token", token, "--log-level", "warning"],
            in: folder
        )
        for _ in 0..<600 {
            if await onThread({ httpStatus(port: port, path: "/readyz") }) == 200 { return server }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the server did not become ready: \(server.output)")
        throw CancellationError()
    }

    /// The email files of `folder`, each as the address it is to and its kind.
    private static func inbox(_ folder: String) throws -> [(to: String, name: String)] {
        let mail = folder + "/mail"
        guard FileManager.default.fileExists(atPath: mail) else { return [] }
        // One folder a day: `mail/<YYYY-MM-DD>/<id>.eml`.
        let days = try FileManager.default.contentsOfDirectory(atPath: mail).filter { !$0.hasPrefix(".") }
        let names = try days.flatMap { day in
            try FileManager.default.contentsOfDirectory(atPath: mail + "/" + day).filter { $0.hasSuffix(".eml") }.map { day + "/" + $0 }
        }
        return try names.map { name in
            let text = try String(contentsOfFile: mail + "/" + name, encoding: .utf8)
            let to = text.split(separator: "\r\n").first { $0.hasPrefix("To: ") }.map { String($0.dropFirst(4)) } ?? ""
            return (to, name)
        }
    }

    @Test("Every acknowledged invitation has its email exactly once after SIGKILLs at random moments during delivery")
    func everyAcknowledgedInvitationHasItsEmailOnceAcrossSIGKILL() async throws {
        let folder = TemporaryFolder()
        let port = freePort()
        var server = try await Self.start(folder.path, port: port)
        let created = await onThread {
            httpRequest(port: port, method: "POST", path: "/v1/orgs", token: Self.token, body: #"{"name": "Crash Housing"}"#)
        }
        let org = try #require(created.flatMap { $0.status == 201 ? jsonString($0.body, "id") : nil }, "\(server.output)")

        let acknowledged = Shared()
        for round in 0..<4 {
            // Clients invite new people flat out; the server is killed at a random moment.
            let stop = Shared()
            // One client invites one person at a time and another 200 at a time, so that a
            // backlog of emails is being written when the kill comes; no more, so that the suites
            // running beside this one keep their share of the cores. Blocking sockets, so on
            // threads of their own: never on Swift's cooperative pool.
            let clients = (0..<2).map { client in
                Task {
                    await onThread {
                        var sequence = 0
                        while !stop.stopped.load(ordering: .relaxed) {
                            sequence += 1
                            let emails = (0..<(client == 0 ? 200 : 1)).map { "r\(round)c\(client)n\(sequence)i\($0)@crash.example" }
                            let items = emails.map { #"{"email": "\#($0)", "role": "viewer"}"# }
                            let answer =
                                client == 0
                                ? httpRequest(
                                    port: port,
                                    method: "POST",
                                    path: "/v1/orgs/\(org)/invitations/batch",
                                    token: Self.token,
                                    body: #"{"items": [\#(items.joined(separator: ","))]}"#
                                )
                                : httpRequest(port: port, method: "POST", path: "/v1/orgs/\(org)/invitations", token: Self.token, body: items[0])
                            guard let answer else { break }
                            let created = client == 0 ? createdItems(answer, emails) : (answer.status == 201 ? emails : [])
                            acknowledged.emails.withLock { $0.formUnion(created) }
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1200)))
            server.kill()
            _ = try await server.exitStatus(within: 30)
            stop.stopped.store(true, ordering: .relaxed)
            for client in clients { await client.value }
            server = try await Self.start(folder.path, port: port)
        }

        // The last life delivers what is left; then the inbox is read.
        var pending = -1
        // Up to a minute: the mail thread runs at nice 10, so a machine busy with other suites
        // gives it little time.
        for _ in 0..<1200 where pending != 0 {
            try await Task.sleep(for: .milliseconds(50))
            let outbox = await onThread { httpRequest(port: port, method: "GET", path: "/v1/outbox", token: Self.token) }
            // Drained: nothing waits, and the cursor has passed every durable record.
            pending =
                outbox.flatMap { answer in
                    jsonInteger(answer.body, "pending").flatMap { waiting in jsonInteger(answer.body, "lag_records").map { waiting + $0 } }
                } ?? -1
        }
        #expect(pending == 0, "the outbox drained")
        server.terminate()
        #expect(try await server.exitStatus(within: 30) == 0, "\(server.output)")

        let inbox = try Self.inbox(folder.path)
        var perAddress = [String: Int]()
        for email in inbox { perAddress[email.to, default: 0] += 1 }
        let sent = acknowledged.emails.withLock { $0 }
        #expect(sent.count > 500, "enough invitations were acknowledged to mean something")
        let missing = sent.filter { perAddress[$0] == nil }
        #expect(missing.isEmpty, "acknowledged invitations without an email: \(missing.sorted().prefix(10))")
        let twice = perAddress.filter { $0.value > 1 }
        #expect(twice.isEmpty, "addresses with more than one email: \(twice.keys.sorted().prefix(10))")
    }
}
