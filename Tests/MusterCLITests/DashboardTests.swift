import Foundation
import Testing

/// `deploy/grafana/muster.json` and `deploy/prometheus/muster-alerts.yml` query metrics a real
/// node serves: a renamed metric would leave a panel or an alert silently empty.
@Suite("The dashboard and the alerts")
struct DashboardTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The `muster_…` names in a query.
    private static func metricNames(in query: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: "muster_[a-z_]+")
        return Set(regex.matches(in: query, range: NSRange(query.startIndex..., in: query)).map { String(query[Range($0.range, in: query)!]) })
    }

    /// Every `expr` of the dashboard's panels, at whatever depth.
    private static func dashboardQueries() throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/deploy/grafana/muster.json"))
        func collect(_ value: Any) -> [String] {
            if let object = value as? [String: Any] {
                let own = (object["expr"] as? String).map { [$0] } ?? []
                return own + object.values.flatMap(collect)
            }
            if let array = value as? [Any] { return array.flatMap(collect) }
            return []
        }
        return collect(try JSONSerialization.jsonObject(with: data))
    }

    private static func alertQueries() throws -> [String] {
        try String(contentsOfFile: root + "/deploy/prometheus/muster-alerts.yml", encoding: .utf8)
            .split(separator: "\n")
            .compactMap { line in line.trimmingCharacters(in: .whitespaces).hasPrefix("expr:") ? String(line) : nil }
    }

    @Test("The dashboard has panels for requests, the log, emails, webhooks and the cluster, each with a query")
    func theDashboardCoversEachConcern() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/deploy/grafana/muster.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let rows = panels.filter { $0["type"] as? String == "row" }.compactMap { $0["title"] as? String }
        #expect(rows.count == 5 && rows.first == "Requests" && rows.contains("Emails") && rows.contains { $0.hasPrefix("Cluster") })
        for panel in panels where panel["type"] as? String != "row" {
            #expect((panel["targets"] as? [[String: Any]])?.isEmpty == false, "\(panel["title"] ?? "a panel") has no query")
        }
        let names = try Self.dashboardQueries().reduce(into: Set<String>()) { $0.formUnion(Self.metricNames(in: $1)) }
        for wanted in [
            "muster_http_requests_total", "muster_log_sync_duration_seconds_bucket", "muster_outbox_oldest_pending_seconds",
            "muster_cluster_lag_records",
        ] {
            #expect(names.contains(wanted), "no panel shows \(wanted)")
        }
    }

    @Test("Every metric a panel or an alert queries is in the /metrics of a real node of a cluster, after a request and a change")
    func everyQueriedMetricExists() async throws {
        let cluster = try ClusterProcessTests.Cluster(count: 1)
        try await cluster.waitUntilReady()
        _ = try await cluster.leader()
        _ = try await cluster.createOrg(via: 0)
        let metrics = try #require(await cluster.request(0, "GET", "/metrics", token: nil))
        let text = String(decoding: metrics.body, as: UTF8.self)
        let served = Set(
            text.split(separator: "\n").map { line -> String in
                let name = line.hasPrefix("# TYPE ") ? line.dropFirst(7) : line
                return String(name.prefix { $0 != " " && $0 != "{" })
            }
        )
        let queried = try (Self.dashboardQueries() + Self.alertQueries()).reduce(into: Set<String>()) { $0.formUnion(Self.metricNames(in: $1)) }
        #expect(queried.count > 20)
        let missing = queried.subtracting(served).sorted()
        #expect(missing.isEmpty, "queried but not served: \(missing)")
    }
}
