import Logging
import Testing

@testable import MusterServer

/// The default log format: swift-log's text lines, with the metadata kept aside until a line is
/// written (the lines themselves are checked where `muster serve` runs as a process).
@Suite("Text log lines")
struct TextLogHandlerTests {
    @Test("Metadata set on a logger, its level and its provider are kept as swift-log's own handler keeps them")
    func theHandlerKeepsWhatALoggerSets() {
        var logger = Logger(label: "test") { label in TextLogHandler(label: label, metadataProvider: .init { ["trace_id": "t-1"] }) }
        logger[metadataKey: "hb.request.id"] = "r-1"
        logger[metadataKey: "org"] = .stringConvertible(42)
        logger.logLevel = .warning
        #expect(logger[metadataKey: "hb.request.id"] == "r-1")
        #expect(logger[metadataKey: "org"]?.description == "42")
        #expect(logger.logLevel == .warning)
        #expect(logger.handler.metadataProvider?.get() == ["trace_id": "t-1"])
        logger[metadataKey: "org"] = nil
        #expect(logger[metadataKey: "org"] == nil && logger.handler.metadata == ["hb.request.id": "r-1"])
    }
}
