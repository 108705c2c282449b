import Logging
import MusterServer
import OTel
import ServiceLifecycle
import Tracing

/// How `muster serve` is observed beyond `/metrics`: the log's format, and traces exported by
/// OTLP/HTTP when an endpoint is given. Both are process-wide and bootstrapped once, here.
enum Telemetry {
    /// The traces URL for a collector's address: `/v1/traces` appended to an address with no
    /// path, any other kept as it is; `nil` for what is not an http(s) URL.
    static func tracesEndpoint(_ endpoint: String) -> String? {
        guard let scheme = ["http://", "https://"].first(where: endpoint.hasPrefix) else { return nil }
        let rest = endpoint.dropFirst(scheme.count)
        guard let host = rest.split(separator: "/", omittingEmptySubsequences: false).first, !host.isEmpty else { return nil }
        guard let slash = rest.firstIndex(of: "/"), rest[slash...] != "/" else { return scheme + host + "/v1/traces" }
        return endpoint
    }

    /// Bootstraps swift-log: text on standard error (swift-log's lines), or JSON lines on
    /// standard output; with tracing, each line carries the current trace and span ids.
    static func bootstrapLogging(json: Bool, tracing: Bool) {
        let provider = tracing ? OTel.makeLoggingMetadataProvider() : nil
        if json {
            LoggingSystem.bootstrap({ label, provider in JSONLogHandler(label: label, metadataProvider: provider) }, metadataProvider: provider)
        } else {
            LoggingSystem.bootstrap({ label, provider in TextLogHandler(label: label, metadataProvider: provider) }, metadataProvider: provider)
        }
    }

    /// Bootstraps the tracer exporting to `endpoint` (only traces: metrics stay on `/metrics`
    /// and logs on the output) and returns the service that exports.
    static func bootstrapTracing(endpoint: String, json: Bool, logger: Logger) throws -> some Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "muster"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.diagnosticLogger = .custom(logger)
        configuration.traces.otlpExporter.endpoint = tracesEndpoint(endpoint)!
        configuration.traces.otlpExporter.protocol = json ? .httpJSON : .httpProtobuf
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        return backend.service
    }

    /// Runs `server` beside the exporter; once the server returns (it stops on SIGTERM), the
    /// exporter is shut down gracefully, sending the spans it still holds.
    static func run(exporter: some Service, logger: Logger, server: @escaping @Sendable () async throws -> Void) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: exporter),
                    .init(
                        service: ServerRun(body: server),
                        successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup
                    ),
                ],
                gracefulShutdownSignals: [],
                logger: logger
            )
        )
        try await group.run()
    }

    /// The server, as a service of the group above: it handles its own signals.
    private struct ServerRun: Service {
        let body: @Sendable () async throws -> Void
        func run() async throws { try await body() }
    }
}
