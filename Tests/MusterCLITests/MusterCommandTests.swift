import Foundation
import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A data folder with `orgs` organisations written through the durable engine, in small
/// segments so that there are several; returns the segment names, oldest first.
private func populate(_ folder: String, orgs: Int) async throws -> [String] {
    var options = StoreOptions(dataDirectory: folder)
    options.segmentSize = 4096
    let durable = try await DurableEngine.open(options, secret: Array(repeating: 5, count: 32), hasher: PasswordHasher(rounds: 1_000))
    for index in 0..<orgs {
        let org = try await durable.engine.createOrganisation(name: "Organisation number \(index)", by: .platformAdmin)
        _ = try await durable.engine.createTenant(org: org, name: "A tenant with a name long enough to fill segments \(index)", by: .platformAdmin)
    }
    durable.close()
    return try FileManager.default.contentsOfDirectory(atPath: folder + "/log").filter { $0.hasSuffix(".wal") }.sorted()
}

@Suite("The muster command")
struct MusterCommandTests {
    @Test("serve with no settings listens on 127.0.0.1:8080 with its data in data/ (the help says so), and stops cleanly on SIGTERM")
    func serveDefaults() async throws {
        let help = try await MusterProcess.run(["serve", "--help"])
        #expect(help.status == 0)
        let helpText = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for shown in ["default: 127.0.0.1", "default: 8080", "default: data", "default: group-commit"] {
            #expect(helpText.contains(shown), "the help lacks \(shown)")
        }

        // The port is the one setting given: 8080 may be taken on the machine running the tests.
        let folder = TemporaryFolder()
        let port = freePort()
        let server = try MusterProcess(["serve", "--port", String(port)], in: folder.path)
        let ready = try await readiness(port: port)
        #expect(ready == 200, "\(server.output)")
        let data = folder.path + "/data"
        #expect(FileManager.default.fileExists(atPath: data + "/admin-token"), "the admin token is in data/")
        #expect(FileManager.default.fileExists(atPath: data + "/server-secret.key"))
        #expect(FileManager.default.fileExists(atPath: data + "/log"))
        #expect(
            server.output.contains(
                try String(contentsOfFile: data + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            ),
            "the new token is printed once"
        )
        server.terminate()
        #expect(try await server.exitStatus(within: 30) == 0, "\(server.output)")
        #expect(server.output.contains("log synced and closed"))
        // swift-log's text lines: time, level, logger, the metadata, the module, the message.
        let closing = server.output.split(separator: "\n").first { $0.contains("log synced and closed") }
        #expect(
            closing?.contains(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} \w+ [\w.-]+:( \S+=\S+)* \[\w+\] log synced and closed/) == true,
            "\(closing ?? "")"
        )
    }

    @Test("a long poll waiting when the server is told to stop is answered at once with the page as it stands, and the server stops cleanly")
    func longPollEndsAtShutdown() async throws {
        let folder = TemporaryFolder()
        let port = freePort()
        let token = "shutdown-test-admin-token-0123456789"
        let server = try MusterProcess(["serve", "--port", String(port), "--admin-token", token], in: folder.path)
        let ready = try await readiness(port: port)
        try #require(ready == 200, "\(server.output)")
        let created = try #require(
            await onThread { httpExchange(port: port, method: "POST", path: "/v1/orgs", token: token, body: #"{"name":"Polled"}"#) }
        )
        let org = try #require(jsonString(created.body, "id"))
        let first = try #require(await onThread { httpExchange(port: port, method: "GET", path: "/v1/orgs/\(org)/events", token: token) })
        let cursor = try #require(jsonString(first.body, "next_cursor"))
        let started = ContinuousClock.now
        let poll = Task {
            await onThread { httpExchange(port: port, method: "GET", path: "/v1/orgs/\(org)/events?after=\(cursor)&wait=40", token: token) }
        }
        try await Task.sleep(for: .milliseconds(500))
        server.terminate()
        let answer = await poll.value
        #expect(answer?.status == 200, "\(answer.map { String(decoding: $0.body, as: UTF8.self) } ?? "no answer")")
        #expect(try await server.exitStatus(within: 30) == 0, "\(server.output)")
        // The poll asked to wait 40 s: it was the stop, not its wait, that ended it.
        #expect(started.duration(to: .now) < .seconds(20))
    }

    @Test("serve refuses to start on damage in the middle of the log and names the segment; log verify says damaged")
    func serveRefusesMidLogDamage() async throws {
        let folder = TemporaryFolder()
        let segments = try await populate(folder.path, orgs: 40)
        #expect(segments.count >= 3)
        let damaged = folder.path + "/log/" + segments[1]
        let handle = try #require(FileHandle(forUpdatingAtPath: damaged))
        try handle.seek(toOffset: 100)
        let byte = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data([byte ^ 0x5A]))
        try handle.close()

        let serve = try await MusterProcess.run(["serve", "--data-dir", folder.path, "--port", String(freePort())], within: 60)
        #expect(serve.status != 0)
        #expect(serve.output.contains(segments[1]), "\(serve.output)")
        #expect(serve.output.contains("truncate-corruption"), "the refusal names the way out: \(serve.output)")

        let verify = try await MusterProcess.run(["log", "verify", "--data-dir", folder.path])
        #expect(verify.status == 1)
        #expect(verify.output.contains("status: damaged"), "\(verify.output)")
    }

    @Test("serve refuses to start when a segment in the middle of the log is missing")
    func serveRefusesAMissingSegment() async throws {
        let folder = TemporaryFolder()
        let segments = try await populate(folder.path, orgs: 40)
        #expect(segments.count >= 3)
        try FileManager.default.removeItem(atPath: folder.path + "/log/" + segments[1])
        let serve = try await MusterProcess.run(["serve", "--data-dir", folder.path, "--port", String(freePort())], within: 60)
        #expect(serve.status != 0, "\(serve.output)")
        #expect(serve.output.contains("are missing"), "\(serve.output)")
        #expect(serve.output.contains("truncate-corruption"), "\(serve.output)")
    }

    @Test("log verify passes a sound folder and log dump prints every event as one JSON line, after a position when asked")
    func logVerifyAndDump() async throws {
        let folder = TemporaryFolder()
        _ = try await populate(folder.path, orgs: 5)
        let verify = try await MusterProcess.run(["log", "verify", "--data-dir", folder.path])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("status: ok"))
        #expect(verify.output.contains("records: 10"))

        let dump = try await MusterProcess.run(["log", "dump", "--data-dir", folder.path])
        #expect(dump.status == 0)
        let lines = dump.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == 10, "\(dump.output)")
        let types = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))).flatMap { $0 as? [String: Any] }?["type"] as? String
        }
        #expect(types.filter { $0 == "organisation.created" }.count == 5)
        #expect(types.filter { $0 == "tenant.created" }.count == 5)

        let later = try await MusterProcess.run(["log", "dump", "--data-dir", folder.path, "--after", "8"])
        #expect(later.output.split(separator: "\n").filter { $0.hasPrefix("{") }.count == 2)
        #expect(try await MusterProcess.run(["log", "dump", "--data-dir", folder.path, "--after", "not-a-number"]).status != 0)
    }
}
