import CoreMetrics
import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import MusterDelivery
import MusterLog
import Prometheus
import Synchronization

/// The server's metrics, kept in its own Prometheus registry through swift-metrics (no global
/// bootstrap, so several servers — in tests — never share counters) and served at `/metrics`.
final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    let logBatchRecords: CoreMetrics.Recorder
    let logBatchBytes: CoreMetrics.Recorder
    let logSyncSeconds: CoreMetrics.Timer
    let recoverySeconds: CoreMetrics.Gauge
    let invitationsExpired: CoreMetrics.Counter
    /// The mail outbox's and the webhooks' metrics, in the same registry.
    let delivery: DeliveryMetrics
    private let commands: Mutex<[String: CoreMetrics.Counter]> = Mutex([:])
    private let routes: Mutex<[RouteKey: (CoreMetrics.Counter, CoreMetrics.Timer)]> = Mutex([:])

    private struct RouteKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536, 262_144, 1_048_576]
        self.factory = factory
        logBatchRecords = CoreMetrics.Recorder(label: "muster_log_batch_records", factory: factory)
        logBatchBytes = CoreMetrics.Recorder(label: "muster_log_batch_bytes", factory: factory)
        logSyncSeconds = CoreMetrics.Timer(label: "muster_log_sync_duration_seconds", factory: factory)
        recoverySeconds = CoreMetrics.Gauge(label: "muster_recovery_seconds", factory: factory)
        invitationsExpired = CoreMetrics.Counter(label: "muster_invitations_expired_total", factory: factory)
        // Delivery lag spans milliseconds to hours (a receiver down for a while).
        var lagFactory = factory
        lagFactory.defaultDurationHistogramBuckets = [
            .milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600),
            .seconds(3600),
        ]
        delivery = DeliveryMetrics(factory: factory, lagFactory: lagFactory)
    }

    /// The factory of this server's registry, for the metrics of other modules (the cluster's).
    var metricsFactory: any MetricsFactory { factory }

    /// Counts one command of `type` (for example `invite`), as the API carried it out.
    func command(_ type: String) {
        let counter = commands.withLock { table in
            if let counter = table[type] { return counter }
            let counter = CoreMetrics.Counter(label: "muster_commands_total", dimensions: [("type", type)], factory: factory)
            table[type] = counter
            return counter
        }
        counter.increment()
    }

    /// Records one answered request.
    func request(route: String, method: String, status: Int, nanoseconds: UInt64) {
        let key = RouteKey(route: route, method: method, status: status)
        let (counter, timer) = routes.withLock { table in
            if let pair = table[key] { return pair }
            let dimensions = [("route", route), ("method", method), ("status", String(status))]
            let pair = (
                CoreMetrics.Counter(label: "muster_http_requests_total", dimensions: dimensions, factory: factory),
                CoreMetrics.Timer(
                    label: "muster_http_request_duration_seconds",
                    dimensions: [("route", route), ("method", method)],
                    factory: factory
                )
            )
            table[key] = pair
            return pair
        }
        counter.increment()
        timer.recordNanoseconds(Int64(nanoseconds))
    }

    /// Records one batch of the log writer.
    func logBatch(_ statistics: LogBatchStatistics) {
        logBatchRecords.record(statistics.records)
        logBatchBytes.record(statistics.bytes)
        if let nanoseconds = statistics.syncNanoseconds { logSyncSeconds.recordNanoseconds(Int64(nanoseconds)) }
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> [UInt8] {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Counts and times every request by its route template (`/v1/orgs/{org}/invitations`), never
/// by the concrete path, so ids do not explode the label set.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = MusterRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let status: Int
        do {
            let response = try await next(request, context)
            status = response.status.code
            metrics.request(
                route: context.endpointPath ?? "unmatched",
                method: request.method.rawValue,
                status: status,
                nanoseconds: DispatchTime.now().uptimeNanoseconds - started
            )
            return response
        } catch {
            status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.request(
                route: context.endpointPath ?? "unmatched",
                method: request.method.rawValue,
                status: status,
                nanoseconds: DispatchTime.now().uptimeNanoseconds - started
            )
            throw error
        }
    }
}
