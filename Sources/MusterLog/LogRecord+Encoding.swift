import MusterDomain
import MusterEngine
import MusterStorage

extension LogRecord {
    /// The record in the log's binary encoding (uncompressed, without the frame around it;
    /// see `docs/LOG-FORMAT.md`): for tools and benchmarks that look at one record.
    public func encoded() -> [UInt8] {
        var writer = BinaryWriter()
        EventCodec.encode(self, into: &writer)
        return writer.bytes
    }

    /// The record in the log's binary encoding with a request mark and the facts for its
    /// emails inside it.
    public func encoded(mark: RequestMark?, mail: MailFacts? = nil) -> [UInt8] {
        var writer = BinaryWriter()
        EventCodec.encode(self, mark: mark, mail: mail, into: &writer)
        return writer.bytes
    }

    /// Decodes what ``encoded()`` wrote (a mark and facts, if any, are read past); refuses trailing bytes
    /// as well as missing ones.
    public init(encoded bytes: [UInt8]) throws(LogError) {
        self = try DurableRecord(position: 0, encoded: bytes).record
    }
}

extension DurableRecord {
    /// Decodes a record written at `position`, with its request mark and the facts for its emails.
    package init(position: LogPosition, encoded bytes: [UInt8]) throws(LogError) {
        var reader = BinaryReader(bytes)
        let decoded = try EventCodec.decodeMarkedRecord(&reader)
        guard reader.isAtEnd else { throw .malformed("\(reader.remaining) bytes after the record") }
        self.init(position: position, record: decoded.record, mark: decoded.mark, mail: decoded.mail)
    }
}
