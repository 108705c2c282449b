import Mustache

/// HTML escaping for Muster's Mustache templates — the emails' HTML parts and the pages people
/// open — scalar by scalar: `<`, `>`, `&`, `"` and `'` become entities wherever they are.
///
/// swift-mustache's own escaping goes character by character, and a `"` followed by a combining
/// mark is one `Character` that is not `"`: a name such as `x"\u{301} onerror=…` passed through
/// and closed the attribute it was written in, adding its own.
package struct HTMLEscaping: MustacheContentType {
    private static let name = "MUSTER_HTML"

    /// The tag that makes a template escape this way, to put before its source (a partial too:
    /// swift-mustache renders each partial with its own default). The content type is
    /// registered with swift-mustache the first time this is read.
    package static let pragma: String = {
        MustacheContentTypes.register(HTMLEscaping(), named: name)
        return "{{%CONTENT_TYPE:\(name)}}"
    }()

    package func escapeText(_ text: String) -> String {
        var escaped = ""
        Self.append(text, to: &escaped)
        return escaped
    }

    /// Appends `text` escaped to `output`, in one piece when it holds none of the five.
    package static func append(_ text: String, to output: inout String) {
        guard text.utf8.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else {
            output += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "&": output += "&amp;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
    }
}
