import Logging
import MusterDomain
import MusterEngine
import MusterJSON
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Writes each log entry as one JSON object on one line of standard output
/// (`muster serve --log-format json`), for a log collector to read without parsing text.
///
/// Every line has `time` (UTC, milliseconds), `level`, `logger`, `message` and the entry's
/// metadata as fields. The request id Hummingbird gives each request (`hb.request.id`) is
/// written as `request_id`; with traces exported, `trace_id` and `span_id` come from the
/// metadata provider. A line is written with one `write(2)`, so lines from many threads never
/// interleave.
public struct JSONLogHandler: LogHandler {
    /// Where lines go: a file descriptor, standard output by default.
    private let descriptor: Int32
    private let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler for the logger `label`, writing to `descriptor`.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, descriptor: Int32 = STDOUT_FILENO) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.descriptor = descriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The name a metadata key is written under.
    static func fieldName(_ key: String) -> String {
        key == "hb.request.id" ? "request_id" : key
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var writer = JSONWriter(capacity: 256)
        writer.object { line in
            line.field("time", SystemWallClock().now().iso8601)
            line.field("level", event.level.rawValue)
            line.field("logger", label)
            line.field("message", "\(event.message)")
            for key in merged.keys.sorted() {
                line.nested(named: Self.fieldName(key)) { Self.write(merged[key]!, to: &$0) }
            }
        }
        var bytes = writer.bytes
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    private static func write(_ value: Logger.Metadata.Value, to writer: inout JSONWriter) {
        switch value {
        case .string(let text): writer.string(text)
        case .stringConvertible(let convertible): writer.string(convertible.description)
        case .array(let values): writer.array(values) { Self.write($1, to: &$0) }
        case .dictionary(let values):
            writer.object { object in
                for key in values.keys.sorted() { object.nested(named: key) { Self.write(values[key]!, to: &$0) } }
            }
        }
    }
}
