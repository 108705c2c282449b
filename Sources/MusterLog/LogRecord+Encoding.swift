import MusterEngine

extension LogRecord {
    /// The record in the log's binary encoding (uncompressed, without the frame around it;
    /// see `docs/LOG-FORMAT.md`): for tools and benchmarks that look at one record.
    public func encoded() -> [UInt8] {
        var writer = BinaryWriter()
        EventCodec.encode(self, into: &writer)
        return writer.bytes
    }

    /// Decodes what ``encoded()`` wrote; refuses trailing bytes as well as missing ones.
    public init(encoded bytes: [UInt8]) throws(LogError) {
        var reader = BinaryReader(bytes)
        self = try EventCodec.decodeRecord(&reader)
        guard reader.isAtEnd else { throw .malformed("\(reader.remaining) bytes after the record") }
    }
}
