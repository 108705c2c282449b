import Foundation
import Logging
import MusterTestSupport
import PostgresNIO

@testable import MusterCluster

/// A running PostgreSQL client on a fresh database, for one test.
struct TestDatabase {
    let url: String
    let settings: ClusterSettings

    init(node: String = "node-a") throws {
        url = try TestPostgres.freshDatabase()
        settings = ClusterSettings(postgres: try PostgresAddress(parsing: url), nodeName: node, advertiseURL: "http://127.0.0.1:1/\(node)")
    }

    static let logger: Logger = {
        var logger = Logger(label: "muster-cluster-tests")
        logger.logLevel = .critical
        return logger
    }()

    /// Runs `body` with a store on the database (migrated), its client running throughout.
    func withStore<Value: Sendable>(node: String? = nil, _ body: @Sendable (ClusterStore) async throws -> Value) async throws -> Value {
        var settings = self.settings
        if let node { settings.nodeName = node }
        let client = ClusterNode.makeClient(settings: settings, logger: Self.logger)
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            let store = ClusterStore(client: client, logger: Self.logger)
            try await store.migrate()
            return try await body(store)
        }
    }
}
