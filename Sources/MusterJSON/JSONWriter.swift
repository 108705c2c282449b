import MusterDomain

/// Writes JSON straight into bytes: the API's answers are built field by field with their
/// snake_case names, without `Codable`'s reflection and key conversion on the hot path.
///
/// Public, not `package`, for one reason: this toolchain specialises and inlines an
/// `@inlinable` body in another module only when it is public. As `package`, every field
/// written from the server went through the unspecialised generic, which looked up an
/// `Optional`'s type metadata at run time (measured in `Benchmarks/RESULTS.md`).
public struct JSONWriter {
    /// The bytes, in one buffer that every copy of the writer shares: a nested object's writer
    /// appends to the same bytes in place. (With the array itself in the struct, handing the
    /// writer to a nested object made a second reference, and the next append copied the whole
    /// answer — once per item of a bulk answer.)
    @usableFromInline
    final class Buffer {
        // Unchecked, or every append pays the runtime's exclusivity check (a thread-local
        // look-up and an access-set insert and remove: a fifth of writing a bulk answer). Safe
        // because a buffer belongs to one writer and the copies it hands its nested objects,
        // all on the one thread writing the answer, and every access is one append that ends
        // before the next begins: nothing appends while another append is in progress.
        @exclusivity(unchecked) @usableFromInline var bytes: [UInt8] = []
        @usableFromInline init() {}
    }

    @usableFromInline let buffer = Buffer()

    /// The bytes written so far.
    public var bytes: [UInt8] { buffer.bytes }

    /// The bytes, for appending in place.
    @usableFromInline var out: [UInt8] {
        @inlinable _read { yield buffer.bytes }
        @inlinable nonmutating _modify { yield &buffer.bytes }
    }

    @inlinable public init(capacity: Int = 256) {
        buffer.bytes.reserveCapacity(capacity)
    }

    /// Writes one object; `body` adds its fields.
    @inlinable public mutating func object(_ body: (inout ObjectWriter) -> Void) {
        out.append(UInt8(ascii: "{"))
        var object = ObjectWriter(writer: self)
        body(&object)
        out.append(UInt8(ascii: "}"))
    }

    /// Writes one array of `items`, each by `body`.
    @inlinable public mutating func array<Items: Sequence>(_ items: Items, _ body: (inout JSONWriter, Items.Element) -> Void) {
        out.append(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            body(&self, item)
        }
        out.append(UInt8(ascii: "]"))
    }

    @inlinable public mutating func string(_ value: String) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            // Most text needs no escape: copied in one piece.
            guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                out.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    out.append(UInt8(ascii: "\\"))
                    out.append(byte)
                case 0x0A: escape(UInt8(ascii: "n"))
                case 0x0D: escape(UInt8(ascii: "r"))
                case 0x09: escape(UInt8(ascii: "t"))
                case 0..<0x20:
                    let hex: StaticString = "0123456789abcdef"
                    escape(UInt8(ascii: "u"))
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "0"))
                    out.append(hex.utf8Start[Int(byte >> 4)])
                    out.append(hex.utf8Start[Int(byte & 15)])
                default: out.append(byte)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    @usableFromInline mutating func escape(_ letter: UInt8) {
        out.append(UInt8(ascii: "\\"))
        out.append(letter)
    }

    /// A whole number, digit by digit.
    @inlinable public mutating func integer(_ value: some BinaryInteger) {
        out.appendDecimal(value)
    }

    @inlinable public mutating func raw(_ text: String) {
        out.append(contentsOf: text.utf8)
    }

    @inlinable public mutating func value(_ value: some JSONScalar) {
        value.write(to: &self)
    }

    /// Writes the fields of one object, with the commas between them.
    public struct ObjectWriter {
        @usableFromInline var writer: JSONWriter
        @usableFromInline var first = true

        @usableFromInline init(writer: JSONWriter) {
            self.writer = writer
        }

        @inlinable mutating func key(_ name: StaticString) {
            let comma = !first
            first = false
            // One access to the bytes for the whole key.
            writer.out.appendKey(name, comma: comma)
        }

        /// A field with a scalar value; `nil` is written as JSON `null`, so every documented
        /// field is always present.
        @inlinable public mutating func field(_ name: StaticString, _ value: (some JSONScalar)?) {
            key(name)
            if let value { value.write(to: &writer) } else { writer.raw("null") }
        }

        /// A field with a scalar value that is written as itself (an optional writes `null`
        /// when unset): no `Optional` is made around it, so a caller generic over the value's
        /// type does no run-time type look-up.
        @inlinable public mutating func field(_ name: StaticString, value: some JSONScalar) {
            key(name)
            value.write(to: &writer)
        }

        /// A field whose value is an object.
        @inlinable public mutating func object(_ name: StaticString, _ body: (inout ObjectWriter) -> Void) {
            key(name)
            writer.object(body)
        }

        /// A field whose value is an array.
        @inlinable public mutating func array<Items: Sequence>(
            _ name: StaticString,
            _ items: Items,
            _ body: (inout JSONWriter, Items.Element) -> Void
        ) {
            key(name)
            writer.array(items, body)
        }

        /// A field whose value another writer builds (a nested representation).
        @inlinable public mutating func nested(_ name: StaticString, _ body: (inout JSONWriter) -> Void) {
            key(name)
            body(&writer)
        }

        /// A field with a name known only at run time (a path in the OpenAPI document).
        @inlinable public mutating func nested(named name: String, _ body: (inout JSONWriter) -> Void) {
            if !first { writer.out.append(UInt8(ascii: ",")) }
            first = false
            writer.string(name)
            writer.out.append(UInt8(ascii: ":"))
            body(&writer)
        }
    }
}

/// A value that is written as one JSON scalar.
public protocol JSONScalar {
    func write(to writer: inout JSONWriter)
}

/// An unset value is written as `null`.
extension Optional: JSONScalar where Wrapped: JSONScalar {
    public func write(to writer: inout JSONWriter) {
        if let self { self.write(to: &writer) } else { writer.raw("null") }
    }
}

extension String: JSONScalar {
    public func write(to writer: inout JSONWriter) { writer.string(self) }
}

extension Int: JSONScalar {
    public func write(to writer: inout JSONWriter) { writer.integer(self) }
}

extension Int64: JSONScalar {
    public func write(to writer: inout JSONWriter) { writer.integer(self) }
}

extension UInt64: JSONScalar {
    public func write(to writer: inout JSONWriter) { writer.integer(self) }
}

extension Bool: JSONScalar {
    public func write(to writer: inout JSONWriter) { writer.raw(self ? "true" : "false") }
}

extension Timestamp: JSONScalar {
    /// ISO 8601 in UTC, with milliseconds.
    public func write(to writer: inout JSONWriter) {
        writer.out.append(UInt8(ascii: "\""))
        appendISO8601(to: &writer.out)
        writer.out.append(UInt8(ascii: "\""))
    }
}

extension Identifier: JSONScalar {
    public func write(to writer: inout JSONWriter) {
        writer.out.append(UInt8(ascii: "\""))
        appendText(to: &writer.out)
        writer.out.append(UInt8(ascii: "\""))
    }
}

extension EmailAddress: JSONScalar {
    public func write(to writer: inout JSONWriter) { writer.string(description) }
}

extension Principal: JSONScalar {
    /// `platform_admin`, `system`, `user:<id>` or `api_key:<id>`.
    public func write(to writer: inout JSONWriter) { writer.string(description) }
}

extension [UInt8] {
    /// Appends `"name":`, after a comma when `comma`.
    @inlinable mutating func appendKey(_ name: StaticString, comma: Bool) {
        if comma { append(UInt8(ascii: ",")) }
        append(UInt8(ascii: "\""))
        append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        append(UInt8(ascii: "\""))
        append(UInt8(ascii: ":"))
    }
}
