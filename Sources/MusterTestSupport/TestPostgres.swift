import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL server the cluster's tests use, and a fresh database in it for each test.
///
/// `scripts/test` starts one (`scripts/postgres-local`) before the suites and stops it after,
/// passing `MUSTER_TEST_POSTGRES_URL` and `MUSTER_TEST_POSTGRES_DIR`. Run alone (`swift test`),
/// the tests start one themselves in `/tmp/muster-test-postgres` on port 55439 and leave it
/// running for the next run (`scripts/postgres-local stop /tmp/muster-test-postgres`).
public enum TestPostgres {
    /// The server's base URL (its `postgres` database).
    public static var url: String {
        get throws { try server.get().url }
    }

    /// The server's data folder, for restarting it.
    public static var directory: String {
        get throws { try server.get().directory }
    }

    private static let server: Result<(url: String, directory: String), any Error> = {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["MUSTER_TEST_POSTGRES_URL"], let directory = environment["MUSTER_TEST_POSTGRES_DIR"] {
            return .success((url, directory))
        }
        let directory = "/tmp/muster-test-postgres"
        return Result {
            let url = try run(script("postgres-local"), ["start", directory, "55439"]).trimmingCharacters(in: .whitespacesAndNewlines)
            return (url, directory)
        }
    }()

    private static let counter = Mutex(0)

    /// A new, empty database on the server; its URL.
    public static func freshDatabase() throws -> String {
        let base = try url
        let number = counter.withLock { value in
            value += 1
            return value
        }
        let name = "muster_test_\(getpid())_\(number)"
        _ = try run("/usr/bin/psql", [base, "-qAtc", "DROP DATABASE IF EXISTS \(name)"])
        _ = try run("/usr/bin/psql", [base, "-qAtc", "CREATE DATABASE \(name)"])
        return String(base[..<base.lastIndex(of: "/")!]) + "/" + name
    }

    /// Runs SQL on the database at `url`; what psql printed (unaligned, tuples only).
    public static func sql(_ url: String, _ statement: String) throws -> String {
        try run("/usr/bin/psql", [url, "-qAtc", statement]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Restarts the server (`pg_ctl restart -m fast`): every connection is cut.
    public static func restart() throws {
        _ = try run(script("postgres-local"), ["restart", try directory])
    }

    /// Stops the server; ``restart()`` or ``start()`` brings it back.
    public static func stop() throws {
        _ = try run(script("postgres-local"), ["stop", try directory])
    }

    /// Starts the server again after ``stop()``.
    public static func start() throws {
        let address = try url
        let port = address.split(separator: ":").last.flatMap { $0.split(separator: "/").first }.map(String.init) ?? "5432"
        _ = try run(script("postgres-local"), ["start", try directory, port])
    }

    /// A script of the repository's `scripts/`.
    public static func script(_ name: String) -> String {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/scripts/" + name
    }

    /// The problem a command that failed reports.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` with `arguments` to its end; what it printed, or a failure saying so.
    ///
    /// Spawned and waited for by its process id: Foundation's `Process` can miss the end of a
    /// child whose own child (PostgreSQL's server) outlives it.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let outputPath = NSTemporaryDirectory() + "muster-run-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "\(executable) could not start: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            throw Failure(
                description:
                    "\(executable) \(arguments.joined(separator: " ")) failed (\(exited ? "status \(code)" : "signal \(status & 0x7f)")): \(text)"
            )
        }
        return text
    }
}
