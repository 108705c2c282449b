import Logging

/// swift-log's text lines on standard error (`muster serve`'s default log format), with the
/// metadata kept aside until a line is written.
///
/// swift-log's `StreamLogHandler` turns its whole metadata into text every time a key is set.
/// Hummingbird sets the request id on every request's logger, so that text was built for every
/// request, though at the default level almost none writes a line (2–3% of the server's CPU
/// under load). This handler keeps the metadata as a dictionary and hands it to a
/// `StreamLogHandler` only to write a line: the lines are the same.
public struct TextLogHandler: LogHandler {
    /// The handler that writes; its own metadata stays empty until a line is written.
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    /// A handler for the logger `label`, writing to standard error.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        stream = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
    }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Setting the metadata turns it into text once, for this line only.
        var writer = stream
        writer.metadata = metadata
        writer.log(event: event)
    }
}
