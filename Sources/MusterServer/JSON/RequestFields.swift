import HTTPTypes
import MusterDomain
import MusterJSON

/// Reads the fields of one JSON object from a request, each with a clear refusal when it is
/// missing or of the wrong type, and refuses fields nobody asked for (`finish()`), so a
/// misspelt field never passes silently.
struct RequestFields {
    private let fields: [String: JSONValue]
    /// The names asked for: a handful, so a list searched in place is cheaper than a set's
    /// hashing (a bulk body reads a thousand objects).
    private var read: [String] = []
    /// Where this object sits in the body, for messages: `""` at the top, `"items[3]."` inside.
    private let path: String

    init(_ value: JSONValue, path: String = "") throws(Problem) {
        guard case .object(let fields) = value else {
            throw Problem(
                .unprocessableContent,
                code: "validation_failed",
                "\(path.isEmpty ? "the request body" : String(path.dropLast())) must be a JSON object, not \(value.kindName)"
            )
        }
        self.fields = fields
        self.path = path
    }

    private func name(_ key: String) -> String { "`\(path)\(key)`" }

    private func invalid(_ message: String) -> Problem {
        Problem(.unprocessableContent, code: "validation_failed", message)
    }

    private mutating func value(_ key: String) -> JSONValue? {
        if !read.contains(key) { read.append(key) }
        guard let value = fields[key], value != .null else { return nil }
        return value
    }

    /// A required string.
    mutating func string(_ key: String, maxLength: Int = 10_000) throws(Problem) -> String {
        guard let value = try optionalString(key, maxLength: maxLength) else { throw invalid("field \(name(key)) is required") }
        return value
    }

    /// An optional string (absent or `null` is `nil`).
    mutating func optionalString(_ key: String, maxLength: Int = 10_000) throws(Problem) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw invalid("field \(name(key)) must be a string, not \(value.kindName)") }
        // Characters are grapheme clusters, and one can hold any number of combining marks: the
        // bytes are bounded too, at four per character.
        // No more bytes than the limit means no more characters either: most text is counted
        // without breaking it into grapheme clusters.
        guard text.utf8.count <= maxLength || (text.count <= maxLength && text.utf8.count <= maxLength * 4) else {
            throw invalid("field \(name(key)) is longer than \(maxLength) characters")
        }
        return text
    }

    /// An optional boolean.
    mutating func optionalBool(_ key: String) throws(Problem) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw invalid("field \(name(key)) must be true or false, not \(value.kindName)") }
        return flag
    }

    /// An optional whole number.
    mutating func optionalInteger(_ key: String) throws(Problem) -> Int64? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 9e15 else {
            throw invalid("field \(name(key)) must be a whole number, not \(value.kindName)")
        }
        return Int64(number)
    }

    /// An optional array of strings.
    mutating func optionalStrings(_ key: String) throws(Problem) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw invalid("field \(name(key)) must be an array of strings, not \(value.kindName)") }
        var strings = [String]()
        for item in items {
            guard case .string(let text) = item else { throw invalid("field \(name(key)) must hold only strings, not \(item.kindName)") }
            strings.append(text)
        }
        return strings
    }

    /// An optional nested object.
    mutating func optionalObject(_ key: String) throws(Problem) -> RequestFields? {
        guard let value = value(key) else { return nil }
        return try RequestFields(value, path: "\(path)\(key).")
    }

    /// A required email address, normalised.
    mutating func email(_ key: String) throws(Problem) -> EmailAddress {
        let text = try string(key, maxLength: 320)
        return try email(text, key: key)
    }

    /// An optional email address, normalised.
    mutating func optionalEmail(_ key: String) throws(Problem) -> EmailAddress? {
        guard let text = try optionalString(key, maxLength: 320) else { return nil }
        return try email(text, key: key)
    }

    private func email(_ text: String, key: String) throws(Problem) -> EmailAddress {
        do {
            return try EmailAddress(text)
        } catch {
            throw Problem(.unprocessableContent, code: "validation_failed", "field \(name(key)): \(error.message)")
        }
    }

    /// A required value of a spelled enumeration (a role, a mode), named in the message.
    mutating func spelled<Value: SpelledCase>(_ key: String, as type: Value.Type) throws(Problem) -> Value {
        guard let value = try optionalSpelled(key, as: type) else { throw invalid("field \(name(key)) is required") }
        return value
    }

    /// An optional value of a spelled enumeration.
    mutating func optionalSpelled<Value: SpelledCase>(_ key: String, as type: Value.Type) throws(Problem) -> Value? {
        guard let text = try optionalString(key, maxLength: 100) else { return nil }
        guard let value = Value(name: text) else {
            throw invalid("field \(name(key)) must be one of \(Value.choices.map(\.name).joined(separator: ", ")); got \"\(text)\"")
        }
        return value
    }

    /// A required id (a UUID).
    mutating func identifier<Tag>(_ key: String, as type: Identifier<Tag>.Type = Identifier<Tag>.self) throws(Problem) -> Identifier<Tag> {
        let text = try string(key, maxLength: 64)
        guard let id = Identifier<Tag>(text) else {
            throw invalid("field \(name(key)) must be a UUID such as 3f2b8c1e-1d2a-4f6b-9c3d-2a1b0c9d8e7f; got \"\(text)\"")
        }
        return id
    }

    /// An optional time in ISO 8601.
    mutating func optionalTimestamp(_ key: String) throws(Problem) -> Timestamp? {
        guard let text = try optionalString(key, maxLength: 64) else { return nil }
        guard let time = Timestamp(iso8601: text) else {
            throw invalid("field \(name(key)) must be an ISO 8601 time such as 2026-01-31T09:30:00Z; got \"\(text)\"")
        }
        return time
    }

    /// An optional permission set, from an array of permission keys.
    mutating func optionalPermissions(_ key: String) throws(Problem) -> PermissionSet? {
        guard let keys = try optionalStrings(key) else { return nil }
        var set = PermissionSet()
        for text in keys {
            guard let permission = Permission(name: text) else {
                throw invalid(
                    "field \(name(key)): \"\(text)\" is not a permission key; the keys are \(Permission.allCases.map(\.name).joined(separator: ", "))"
                )
            }
            set.formUnion(PermissionSet(permission))
        }
        return set
    }

    /// The raw value of `key`, for shapes the typed readers do not cover (bulk `items`).
    mutating func rawValue(_ key: String) throws(Problem) -> JSONValue? {
        value(key)
    }

    /// A field of a partial update: absent leaves the setting as it is, `null` resets it to
    /// the deployment's default, and a value (read by `read`) sets it.
    mutating func setting<Value>(
        _ key: String,
        _ read: (inout RequestFields, String) throws(Problem) -> Value?
    ) throws(Problem) -> SettingChange<Value> {
        guard contains(key) else { return .unchanged }
        guard let value = try read(&self, key) else { return .reset }
        return .set(value)
    }

    /// An optional language tag (`en`, `cy`, `en-GB`).
    mutating func optionalLocale(_ key: String) throws(Problem) -> LocaleTag? {
        guard let text = try optionalString(key, maxLength: 16) else { return nil }
        do { return try LocaleTag(text, field: "field \(name(key))") } catch { throw Problem(error) }
    }

    /// An optional redirect URL: absolute `https` (or `http` on loopback), no credentials.
    mutating func optionalRedirect(_ key: String) throws(Problem) -> RedirectURL? {
        guard let text = try optionalString(key, maxLength: RedirectURL.maximumLength) else { return nil }
        do { return try RedirectURL(text, field: "field \(name(key))") } catch { throw Problem(error) }
    }

    /// Whether `key` was sent at all (even as `null`).
    func contains(_ key: String) -> Bool { fields[key] != nil }

    /// Refuses the object if it holds a field that was never read.
    func finish() throws(Problem) {
        let unknown = fields.keys.filter { !read.contains($0) }.sorted()
        guard unknown.isEmpty else {
            let known = read.sorted().map { "`\($0)`" }.joined(separator: ", ")
            throw invalid(
                "unknown field\(unknown.count == 1 ? "" : "s") \(unknown.map { name($0) }.joined(separator: ", "))\(known.isEmpty ? "; this body takes no fields" : "; expected \(known)")"
            )
        }
    }
}
