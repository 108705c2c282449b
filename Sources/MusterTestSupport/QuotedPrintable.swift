/// Reads quoted-printable text back (RFC 2045 §6.7), as a mail reader does: soft breaks
/// (`=` CRLF) joined, `=XX` turned back into its byte. For tests that read the emails Muster
/// wrote as files.
public enum QuotedPrintable {
    /// `text` decoded; a `=` not followed by a line end or two hex digits is kept as it is.
    public static func decoded(_ text: String) -> String {
        let source = Array(text.utf8)
        var output = [UInt8]()
        var index = 0
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        while index < source.count {
            if source[index] == UInt8(ascii: "=") {
                if index + 2 < source.count, source[index + 1] == 0x0D, source[index + 2] == 0x0A {
                    index += 3
                    continue
                }
                if index + 2 < source.count, let high = hexValue(source[index + 1]), let low = hexValue(source[index + 2]) {
                    output.append(high << 4 | low)
                    index += 3
                    continue
                }
            }
            output.append(source[index])
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}
