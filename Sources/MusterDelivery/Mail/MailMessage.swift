import MusterDomain

/// One email the outbox delivers: who to, what about, and the magic link it carries.
package struct MailMessage: Codable, Hashable, Sendable {
    /// `<log position>-<index>`: the file name of the `.eml` file and the `Message-ID`'s local part.
    package var id: String
    /// What the email is for: `invitation`, `invitation_resent`, `collaborator_invitation` or `sign_in_link`.
    package var kind: String
    package var to: String
    package var subject: String
    /// The plain-text body, the link included.
    package var text: String
    /// The same message as HTML, sent beside the text as `multipart/alternative`; `nil` in
    /// messages queued before emails had one.
    package var html: String?
    /// The org's reply-to address, if it set one.
    package var replyTo: String?
    /// When the email was queued (milliseconds since the epoch).
    package var queuedAt: Int64
    /// The log position of the record that caused it.
    package var position: UInt64 = 0

    /// The message in RFC 5322 form: CRLF line ends, UTF-8 text body.
    package func rfc5322(from sender: String) -> String {
        String(decoding: rfc5322Bytes(from: sender), as: UTF8.self)
    }

    /// The message in RFC 5322 form as bytes, written in one pass. Bodies are quoted-printable
    /// (RFC 2045), so no line passes 76 characters whatever the template wrote — SMTP refuses
    /// lines over 998 — and the message is 7-bit: every line ends in CRLF (a lone LF becomes
    /// CRLF; a CRLF stays one), and the body ends with a line end.
    func rfc5322Bytes(from sender: String) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(320 + text.utf8.count)
        func header(_ name: String, _ value: String) {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(0x0D)
            bytes.append(0x0A)
        }
        header("Message-ID", "<\(id)@muster>")
        header("Date", Timestamp(millisecondsSinceEpoch: queuedAt).rfc5322Date)
        header("From", sender)
        header("To", to)
        header("Subject", Self.encodeHeader(subject))
        if let replyTo { header("Reply-To", replyTo) }
        header("MIME-Version", "1.0")
        func body(_ content: String) { Self.appendQuotedPrintable(content, to: &bytes) }
        guard let html else {
            header("Content-Type", "text/plain; charset=utf-8")
            header("Content-Transfer-Encoding", "quoted-printable")
            header("X-Muster-Mail-Kind", kind)
            bytes.append(contentsOf: [0x0D, 0x0A])
            body(text)
            return bytes
        }
        // The boundary is the message id's: it cannot occur in a body Muster wrote from it.
        let boundary = "muster-alt-\(id)"
        header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\"")
        header("X-Muster-Mail-Kind", kind)
        bytes.append(contentsOf: [0x0D, 0x0A])
        for (type, content) in [("text/plain", text), ("text/html", html)] {
            bytes.append(contentsOf: "--\(boundary)\r\n".utf8)
            header("Content-Type", "\(type); charset=utf-8")
            header("Content-Transfer-Encoding", "quoted-printable")
            bytes.append(contentsOf: [0x0D, 0x0A])
            body(content)
        }
        bytes.append(contentsOf: "--\(boundary)--\r\n".utf8)
        return bytes
    }

    /// Appends `content` quoted-printable (RFC 2045 §6.7): letters, digits and punctuation as
    /// they are, `=`, control characters and every byte of a non-ASCII character as `=XX`, a
    /// space or tab at a line's end encoded too, and a soft break (`=` CRLF) before a line
    /// would pass 76 characters. A line ends at LF or CRLF, and a CR at the very end; a lone CR
    /// inside a line is encoded. The body always ends with a line end.
    static func appendQuotedPrintable(_ content: String, to bytes: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        let source = Array(content.utf8)
        var index = 0
        var width = 0
        func put(_ token: some Collection<UInt8>) {
            // Room for the soft break's `=` on the line.
            if width + token.count > 75 {
                bytes.append(contentsOf: [UInt8(ascii: "="), 0x0D, 0x0A])
                width = 0
            }
            bytes.append(contentsOf: token)
            width += token.count
        }
        func endLine() {
            bytes.append(contentsOf: [0x0D, 0x0A])
            width = 0
        }
        while index < source.count {
            let byte = source[index]
            if byte == 0x0A || (byte == 0x0D && (index + 1 == source.count || source[index + 1] == 0x0A)) {
                endLine()
                index += byte == 0x0D && index + 1 < source.count ? 2 : 1
                continue
            }
            let atLineEnd = index + 1 == source.count || source[index + 1] == 0x0A || (source[index + 1] == 0x0D)
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !atLineEnd)
            if literal {
                put(CollectionOfOne(byte))
            } else {
                put([UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            }
            index += 1
        }
        if source.last != 0x0A && source.last != 0x0D { endLine() }
    }

    /// A header value a mail server takes whatever its length: plain ASCII folded at spaces
    /// into lines of at most 78 characters, anything else as RFC 2047 encoded words (each well
    /// within their 75 characters), one to a folded line, never splitting a character between
    /// two.
    ///
    /// A control character (a CR or LF among them) is encoded too, so a value never ends the
    /// header early.
    static func encodeHeader(_ value: String, nameLength: Int = "Subject: ".count) -> String {
        let needsEncoding = value.utf8.contains(where: { $0 >= 0x80 || $0 < 0x20 || $0 == 0x7F })
        guard needsEncoding else { return fold(value, firstLineUsed: nameLength) }
        // 42 bytes are 56 base64 characters; with `=?utf-8?B?` and `?=` a word is 68, and the
        // first line, after `Subject: `, 77.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in value {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 42, !chunk.isEmpty {
                words.append("=?utf-8?B?\(base64(chunk))?=")
                chunk = []
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?\(base64(chunk))?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `value` folded before a space wherever a line would pass 78 characters; a word longer
    /// than a line stays whole.
    private static func fold(_ value: String, firstLineUsed: Int) -> String {
        guard firstLineUsed + value.utf8.count > 78 else { return value }
        // Folding puts CRLF before a space, so the value unfolds to exactly what it was.
        var lines: [[Substring]] = [[]]
        var width = firstLineUsed
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            let adds = (lines[lines.count - 1].isEmpty ? 0 : 1) + word.utf8.count
            if !lines[lines.count - 1].isEmpty, width + adds > 78 {
                lines.append([word])
                width = 1 + word.utf8.count
            } else {
                lines[lines.count - 1].append(word)
                width += adds
            }
        }
        return lines.map { $0.joined(separator: " ") }.joined(separator: "\r\n ")
    }

    /// `bytes` in standard base64 with padding (RFC 4648 §4), for headers and SMTP AUTH.
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output = [UInt8]()
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = (UInt32(chunk[0]) << 16) | (chunk.count > 1 ? UInt32(chunk[1]) << 8 : 0) | (chunk.count > 2 ? UInt32(chunk[2]) : 0)
            output.append(alphabet[Int(value >> 18 & 63)])
            output.append(alphabet[Int(value >> 12 & 63)])
            output.append(chunk.count > 1 ? alphabet[Int(value >> 6 & 63)] : UInt8(ascii: "="))
            output.append(chunk.count > 2 ? alphabet[Int(value & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension Timestamp {
    /// The time as an RFC 5322 date in UTC, for example `Sat, 21 Nov 2026 09:30:00 +0000`.
    var rfc5322Date: String {
        let iso = iso8601  // YYYY-MM-DDTHH:MM:SS.fffZ
        let parts = Array(iso.utf8)
        func text(_ range: Range<Int>) -> String { String(decoding: parts[range], as: UTF8.self) }
        let days = millisecondsSinceEpoch >= 0 ? millisecondsSinceEpoch / 86_400_000 : (millisecondsSinceEpoch - 86_399_999) / 86_400_000
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let month = months[(Int(text(5..<7)) ?? 1) - 1]
        return "\(weekday), \(text(8..<10)) \(month) \(text(0..<4)) \(text(11..<19)) +0000"
    }
}
