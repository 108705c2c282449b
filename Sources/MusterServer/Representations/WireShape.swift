import MusterDomain
import MusterJSON

/// One resource as the API shows it, described once: each field's name, schema and value.
///
/// The JSON answer, the OpenAPI component schema and the CSV export's columns are all read
/// from the same table, so they cannot drift apart: a field added here is written, documented
/// and (when marked) exported together. `Context` is what a field may need beside the record
/// itself — the time an invitation's effective status is computed at, the org a row belongs to.
struct WireShape<Subject, Context>: Sendable {
    /// The fields, in the order they are written and documented.
    let fields: [WireField<Subject, Context>]
    /// Each field's writer, in the same order: an answer walks these alone, without copying
    /// each field's schema and cell (a bulk answer writes a thousand objects).
    let writers: [@Sendable (inout JSONWriter.ObjectWriter, Subject, Context) -> Void]

    /// A shape of `fields`.
    init(_ fields: [WireField<Subject, Context>]) {
        self.fields = fields
        self.writers = fields.map(\.write)
    }

    /// The shape's JSON Schema: every field a property; required when always written and
    /// never `null`.
    var schema: Schema {
        .object(fields.map { ($0.name.description, $0.schema) }, required: fields.filter(\.isRequired).map(\.name.description))
    }

    /// The header of the CSV export: the fields marked for it, under their JSON names.
    var csvColumns: [String] { fields.filter { $0.cell != nil }.map(\.name.description) }

    /// One CSV row, in the order of ``csvColumns``.
    func csvRow(_ subject: Subject, _ context: Context) -> [String?] {
        fields.compactMap { field in field.cell.map { cell in cell(subject, context) } }
    }
}

/// One field of a ``WireShape``.
struct WireField<Subject, Context>: Sendable {
    /// Whether a field is in every answer.
    enum Presence: Sendable {
        /// Always written; `null` when unset if its schema is nullable.
        case always
        /// Written only in some answers (a secret in the answer that created it).
        case sometimes
    }

    let name: StaticString
    let schema: Schema
    let presence: Presence
    /// Writes the field, name and value, into an object; writes nothing when the field is
    /// absent from this answer.
    let write: @Sendable (inout JSONWriter.ObjectWriter, Subject, Context) -> Void
    /// The field's CSV cell, for a field the export carries.
    let cell: (@Sendable (Subject, Context) -> String?)?

    /// Documented as required: always written, and never `null`.
    var isRequired: Bool {
        guard presence == .always else { return false }
        if case .nullable = schema { return false }
        return true
    }

    /// A field built by hand: a nested object or array, or a value written only sometimes.
    static func custom(
        _ name: StaticString,
        _ schema: Schema,
        presence: Presence = .always,
        cell: (@Sendable (Subject, Context) -> String?)? = nil,
        write: @escaping @Sendable (inout JSONWriter.ObjectWriter, Subject, Context) -> Void
    ) -> Self {
        WireField(name: name, schema: schema, presence: presence, write: write, cell: cell)
    }

    /// A field holding `value`: its schema is the value's type's (nullable for an optional)
    /// unless `schema` says more (a string that holds a UUID). `csv` puts it in the export.
    ///
    /// The closure that writes it only calls the value's own `write(to:)`: a generic call that
    /// wrapped the value in an `Optional` here would look up that type's metadata at run time,
    /// for every field of every answer.
    static func field<Value: WireValue>(
        _ name: StaticString,
        schema: Schema? = nil,
        csv: Bool = false,
        _ value: @escaping @Sendable (Subject, Context) -> Value
    ) -> Self {
        custom(name, schema ?? Value.schema, cell: exported(csv) { subject, context in value(subject, context).cell }) {
            object,
            subject,
            context in
            object.field(name, value: value(subject, context))
        }
    }

    /// A field holding one case of an enumeration with stable spellings, documented with every
    /// spelling.
    static func field<Value: SpelledCase>(_ name: StaticString, csv: Bool = false, _ value: @escaping @Sendable (Subject, Context) -> Value) -> Self {
        custom(name, .spelled(Value.self), cell: exported(csv) { subject, context in value(subject, context).name }) {
            object,
            subject,
            context in
            object.field(name, value: value(subject, context).name)
        }
    }

    /// A list of the spellings of cases of `Value` (a member's grants); one CSV cell, the
    /// spellings separated by spaces.
    static func list<Value: SpelledCase>(
        _ name: StaticString,
        of _: Value.Type,
        csv: Bool = false,
        _ values: @escaping @Sendable (Subject, Context) -> [String]
    ) -> Self {
        custom(name, .array(.spelled(Value.self)), cell: exported(csv) { subject, context in values(subject, context).joined(separator: " ") }) {
            object,
            subject,
            context in
            object.array(name, values(subject, context)) { $0.string($1) }
        }
    }

    /// `cell` when the field is exported, else `nil`.
    private static func exported(
        _ csv: Bool,
        _ cell: @escaping @Sendable (Subject, Context) -> String?
    ) -> (@Sendable (Subject, Context) -> String?)? {
        csv ? cell : nil
    }
}

/// A value written as one JSON scalar, with the schema that documents it and its text in a CSV
/// cell.
protocol WireValue: JSONScalar, Sendable {
    /// How the OpenAPI document describes every value of the type.
    static var schema: Schema { get }
    /// The value in a CSV cell; `nil` for an empty one.
    var cell: String? { get }
}

/// An unset value: `null`, documented as nullable, an empty CSV cell.
extension Optional: WireValue where Wrapped: WireValue {
    static var schema: Schema { .nullable(Wrapped.schema) }
    var cell: String? { self?.cell ?? nil }
}

extension String: WireValue {
    static var schema: Schema { .string }
    var cell: String? { self }
}

/// A whole number: an integer in the document, its digits in a cell.
extension WireValue where Self: BinaryInteger {
    static var schema: Schema { .integer }
    var cell: String? { String(self) }
}

extension Int: WireValue {}

extension Int64: WireValue {}

extension UInt64: WireValue {}

extension Bool: WireValue {
    static var schema: Schema { .boolean }
    var cell: String? { self ? "true" : "false" }
}

extension Timestamp: WireValue {
    static var schema: Schema { .dateTime }
    var cell: String? { iso8601 }
}

extension Identifier: WireValue {
    static var schema: Schema { .uuid }
    var cell: String? { description }
}

extension EmailAddress: WireValue {
    static var schema: Schema { .email }
    var cell: String? { description }
}

/// Who did something: `platform_admin`, `user:<id>`, `api_key:<id>` or `system`.
extension Principal: WireValue {
    static var schema: Schema { .string }
    var cell: String? { description }
}

extension JSONWriter {
    /// Writes `subject` as `shape` describes it.
    mutating func write<Subject, Context>(_ shape: WireShape<Subject, Context>, _ subject: Subject, _ context: Context) {
        object { object in
            for write in shape.writers { write(&object, subject, context) }
        }
    }

    /// Writes `subject` as `shape` describes it.
    mutating func write<Subject>(_ shape: WireShape<Subject, Void>, _ subject: Subject) {
        write(shape, subject, ())
    }
}
