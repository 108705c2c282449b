import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `deploy/muster.service`, the systemd unit in the repository, and the settings it relies on.
@Suite("The systemd unit")
struct ServiceUnitTests {
    /// The repository's root, from this file's place in it.
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    private static func unit() throws -> String {
        try String(contentsOfFile: root + "/deploy/muster.service", encoding: .utf8)
    }

    @Test("systemd-analyze verify finds nothing to say about the unit, run on the binary just built")
    func theUnitVerifies() async throws {
        let analyze = try #require(
            ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { (path: String) in access(path, X_OK) == 0 },
            "systemd-analyze is needed (Debian's systemd; scripts/test installs it)"
        )
        let folder = TemporaryFolder()
        let text = try Self.unit().replacingOccurrences(of: "ExecStart=/usr/local/bin/muster", with: "ExecStart=\(MusterProcess.binaryPath)")
        try text.write(toFile: folder.path + "/muster.service", atomically: true, encoding: .utf8)
        let verify = try MusterProcess(["verify", folder.path + "/muster.service"], in: folder.path, executable: analyze)
        #expect(try await verify.exitStatus(within: 60) == 0, "\(verify.output)")
        // An unknown or misspelt setting is only a warning to systemd: any output fails here.
        #expect(verify.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(verify.output)")
    }

    @Test("The unit runs as a user of its own, writes only its data folder, stops with SIGTERM and takes the admin token from a credential")
    func theUnitIsHardened() throws {
        let lines = Set(try Self.unit().split(separator: "\n").map(String.init))
        for required in [
            "DynamicUser=yes", "StateDirectory=muster", "Environment=MUSTER_DATA_DIR=/var/lib/muster", "ProtectSystem=strict", "ProtectHome=yes",
            "PrivateTmp=yes", "NoNewPrivileges=yes", "CapabilityBoundingSet=", "KillSignal=SIGTERM", "UMask=0077",
            "LoadCredential=admin-token:/etc/muster/admin-token", "Environment=MUSTER_ADMIN_TOKEN_FILE=%d/admin-token",
        ] {
            #expect(lines.contains(required), "the unit lacks \(required)")
        }
        #expect(!lines.contains { $0.hasPrefix("Environment=MUSTER_ADMIN_TOKEN=") }, "the token itself is never in the unit")
    }

    @Test("Every setting the unit gives is one muster serve reads")
    func theUnitsSettingsExist() async throws {
        let help = try await MusterProcess.run(["serve", "--help"])
        let names = try Self.unit().split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("Environment=MUSTER_") else { return nil }
            return String(line.dropFirst("Environment=".count).prefix { $0 != "=" })
        }
        #expect(names.count >= 4)
        for name in names { #expect(help.output.contains(name), "serve --help does not name \(name)") }
    }

    @Test("serve reads the admin token from a file, without its trailing newline; a token given twice, or too short, is refused")
    func theAdminTokenFromAFile() async throws {
        let folder = TemporaryFolder()
        let token = "credential-admin-token-0123456789"
        try (token + "\n").write(toFile: folder.path + "/admin-token", atomically: true, encoding: .utf8)
        let port = freePort()
        let server = try MusterProcess(
            ["serve", "--data-dir", folder.path + "/data", "--port", String(port), "--admin-token-file", folder.path + "/admin-token"],
            in: folder.path
        )
        let ready = try await readiness(port: port)
        try #require(ready == 200, "\(server.output)")
        #expect(await onThread { httpExchange(port: port, method: "GET", path: "/v1/orgs", token: token)?.status } == 200)
        #expect(await onThread { httpExchange(port: port, method: "GET", path: "/v1/orgs", token: token + "x")?.status } == 401)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/data/admin-token"), "no token is generated")
        server.terminate()
        #expect(try await server.exitStatus(within: 30) == 0)

        let twice = try await MusterProcess.run(
            ["serve", "--data-dir", folder.path + "/data", "--admin-token", token, "--admin-token-file", folder.path + "/admin-token"],
            in: folder.path
        )
        #expect(twice.status != 0 && twice.output.contains("not both"), "\(twice.output)")
        try "short\n".write(toFile: folder.path + "/short", atomically: true, encoding: .utf8)
        let short = try await MusterProcess.run(
            ["serve", "--data-dir", folder.path + "/data", "--admin-token-file", folder.path + "/short"],
            in: folder.path
        )
        #expect(short.status != 0 && short.output.contains("at least 24"), "\(short.output)")
        let missing = try await MusterProcess.run(
            ["serve", "--data-dir", folder.path + "/data", "--admin-token-file", folder.path + "/nowhere"],
            in: folder.path
        )
        #expect(missing.status != 0 && missing.output.contains("cannot read"), "\(missing.output)")
    }
}
