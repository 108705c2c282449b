import Foundation
import NIOSSL
import PostgresNIO

/// How a node of a cluster finds PostgreSQL and the other nodes: `muster serve --postgres-url`.
///
/// The log, the snapshots, the side effects' cursors and the leader's lease live in the
/// database; each node keeps its state in memory as on one machine.
public struct ClusterSettings: Sendable {
    /// The database: `postgres://user:password@host:port/database[?sslmode=disable|require]`.
    public var postgres: PostgresAddress
    /// This node's name, unique in the cluster (the host name by default).
    public var nodeName: String
    /// Where the other nodes reach this one: writes sent to a follower are forwarded there.
    public var advertiseURL: String
    /// How long a lease lasts without renewal; the leader renews it four times as often, and a
    /// follower takes over this long after the leader's last renewal.
    public var leaseMilliseconds: Int64 = 2_000

    /// This machine's host name: a node's name unless one is given.
    public static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// Settings for the node `nodeName`, reached at `advertiseURL`, over `postgres`.
    public init(postgres: PostgresAddress, nodeName: String, advertiseURL: String) {
        self.postgres = postgres
        self.nodeName = nodeName
        self.advertiseURL = advertiseURL
    }
}

/// A PostgreSQL connection string, parsed: `postgres://` or `postgresql://`, a user, an optional
/// password, a host (or `?host=/socket/folder` for a Unix socket), an optional port and the
/// database, with `sslmode` `disable` (the default) or `require`.
public struct PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// A folder holding PostgreSQL's Unix socket, instead of TCP.
    public var socketFolder: String?
    public var requireTLS: Bool

    /// Parses `url`, or throws a message naming what is wrong with it.
    public init(parsing url: String) throws(ClusterSetupError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw ClusterSetupError("the PostgreSQL URL must look like postgres://user:password@host:5432/database")
        }
        guard let user = components.user, !user.isEmpty else { throw ClusterSetupError("the PostgreSQL URL names no user") }
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        for name in query.keys where !["sslmode", "host"].contains(name) {
            throw ClusterSetupError("the PostgreSQL URL's parameter \(name) is not one Muster reads (sslmode, host)")
        }
        self.socketFolder = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        self.host = components.host ?? ""
        guard !host.isEmpty || socketFolder != nil else { throw ClusterSetupError("the PostgreSQL URL names no host") }
        self.port = components.port ?? 5432
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw ClusterSetupError("the PostgreSQL URL names no database") }
        self.database = database
        switch query["sslmode"] ?? "disable" {
        case "disable": requireTLS = false
        case "require", "verify-full": requireTLS = true
        case let other: throw ClusterSetupError("sslmode \(other) is not one Muster takes (disable, require, verify-full)")
        }
    }

    /// The address without its password, for logs.
    public var description: String {
        "postgres://\(user)@\(socketFolder.map { "[\($0)]" } ?? "\(host):\(port)")/\(database)"
    }

    /// The client configuration for postgres-nio.
    var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketFolder {
            configuration = .init(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = .init(
                host: host,
                port: port,
                username: user,
                password: password,
                database: database,
                tls: requireTLS ? .require(.makeClientConfiguration()) : .disable
            )
        }
        configuration.options.connectTimeout = .seconds(2)
        configuration.options.maximumConnections = 8
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(5))
        return configuration
    }
}

/// A cluster setting that keeps a node from starting.
public struct ClusterSetupError: Error, CustomStringConvertible, Sendable {
    public var description: String

    /// The error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
