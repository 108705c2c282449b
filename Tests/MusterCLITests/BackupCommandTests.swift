import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `muster backup`, `verify` and `restore` as an operator runs them, against a running server.
@Suite("Backing up a running server")
struct BackupCommandTests {
    /// Starts `muster serve` on `data` and waits until it is ready.
    private func serve(_ data: String, in folder: String, token: String) async throws -> (MusterProcess, Int) {
        let port = freePort()
        let server = try MusterProcess(["serve", "--data-dir", data, "--port", String(port), "--admin-token", token], in: folder)
        let ready = try await readiness(port: port)
        try #require(ready == 200, "\(server.output)")
        return (server, port)
    }

    @Test(
        "A backup of a server taking writes holds every invitation acknowledged before it began; restored up to a position, a new server serves exactly that much and carries on"
    )
    func backupOfARunningServerRestores() async throws {
        let folder = TemporaryFolder()
        let token = "backup-test-admin-token-0123456789"
        let (server, port) = try await serve(folder.path + "/data", in: folder.path, token: token)
        let created = try #require(
            await onThread { httpExchange(port: port, method: "POST", path: "/v1/orgs", token: token, body: #"{"name":"Riverside"}"#) }
        )
        let org = try #require(jsonString(created.body, "id"))
        func invite(_ email: String) async -> Int? {
            await onThread {
                httpExchange(
                    port: port,
                    method: "POST",
                    path: "/v1/orgs/\(org)/invitations",
                    token: token,
                    body: #"{"email":"\#(email)","role":"viewer"}"#
                )?
                .status
            }
        }
        for index in 0..<30 { #expect(await invite("before\(index)@example.org") == 201) }
        // Writes go on while the backup runs.
        let writer = Task {
            var index = 0
            while !Task.isCancelled, index < 2_000 {
                _ = await invite("during\(index)@example.org")
                index += 1
            }
        }
        let backup = try await MusterProcess.run(["backup", "--data-dir", folder.path + "/data", "--to", folder.path + "/backup"], in: folder.path)
        writer.cancel()
        _ = await writer.value
        #expect(backup.status == 0, "\(backup.output)")
        #expect(backup.output.contains("status: ok"))
        let verify = try await MusterProcess.run(["verify", "--data-dir", folder.path + "/backup"], in: folder.path)
        #expect(verify.status == 0 && verify.output.contains("status: ok"), "\(verify.output)")
        server.terminate()
        #expect(try await server.exitStatus(within: 30) == 0)

        // The org and the 30 invitations made before the backup are positions 1…31.
        let restore = try await MusterProcess.run(
            ["restore", "--from", folder.path + "/backup", "--to", folder.path + "/restored", "--until", "31"],
            in: folder.path
        )
        #expect(restore.status == 0, "\(restore.output)")
        let (restored, restoredPort) = try await serve(folder.path + "/restored", in: folder.path, token: token)
        let listed = try #require(
            await onThread { httpExchange(port: restoredPort, method: "GET", path: "/v1/orgs/\(org)/invitations?limit=100", token: token) }
        )
        let text = String(decoding: listed.body, as: UTF8.self)
        for index in 0..<30 { #expect(text.contains("before\(index)@example.org"), "invitation \(index) is missing") }
        #expect(!text.contains("during"), "nothing after position 31")
        let after = await onThread {
            httpExchange(
                port: restoredPort,
                method: "POST",
                path: "/v1/orgs/\(org)/invitations",
                token: token,
                body: #"{"email":"new@example.org","role":"viewer"}"#
            )
        }
        #expect(after?.status == 201)
        restored.terminate()
        #expect(try await restored.exitStatus(within: 30) == 0, "\(restored.output)")

        // A damaged backup is refused by verify and restore, naming the file.
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/backup/log").sorted().first)
        let handle = try #require(FileHandle(forUpdatingAtPath: folder.path + "/backup/log/" + segment))
        try handle.seek(toOffset: 40)
        let byte = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: 40)
        try handle.write(contentsOf: Data([byte ^ 0x5A]))
        try handle.close()
        let damaged = try await MusterProcess.run(["verify", "--data-dir", folder.path + "/backup"], in: folder.path)
        #expect(damaged.status == 1 && damaged.output.contains(segment), "\(damaged.output)")
        let refused = try await MusterProcess.run(["restore", "--from", folder.path + "/backup", "--to", folder.path + "/again"], in: folder.path)
        #expect(refused.status == 1 && refused.output.contains(segment), "\(refused.output)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/again"))
    }
}
