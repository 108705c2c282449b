import Foundation
import Testing

@testable import MusterDelivery

/// The RFC 5322 form of an email, written in one pass.
@Suite("Email messages")
struct MailMessageTests {
    private func message(_ text: String, subject: String = "Welcome") -> MailMessage {
        MailMessage(
            id: "42-0", kind: "invitation", to: "ann@example.org", subject: subject, text: text, queuedAt: 1_795_305_600_000, position: 42)
    }

    @Test(
        "Every line of the body ends in CRLF, whatever the text used, and the body ends with one",
        arguments: [
            ("one line", "one line\r\n"),
            ("a\nb", "a\r\nb\r\n"),
            ("a\r\nb\r\n", "a\r\nb\r\n"),
            ("a\n\nb\n", "a\r\n\r\nb\r\n"),
            ("ends in CR\r", "ends in CR\r\n"),
            ("lone\rCR inside", "lone\rCR inside\r\n"),
            ("", "\r\n"),
        ])
    func lineEndsAreCRLF(_ text: String, _ body: String) {
        let rendered = message(text).rfc5322(from: "Muster <no-reply@example.org>")
        #expect(String(rendered[rendered.range(of: "\r\n\r\n")!.upperBound...]) == body)
        #expect(
            rendered.hasPrefix(
                "Message-ID: <42-0@muster>\r\nDate: Sun, 22 Nov 2026 00:00:00 +0000\r\nFrom: Muster <no-reply@example.org>\r\nTo: ann@example.org\r\n"))
        #expect(rendered.contains("\r\nX-Muster-Mail-Kind: invitation\r\n\r\n"))
    }

    @Test("A subject that is not plain ASCII is an RFC 2047 encoded word, so no header can be split")
    func subjectsAreEncoded() {
        #expect(message("x", subject: "Croeso i’r tîm").rfc5322(from: "m@example.org").contains("\r\nSubject: =?utf-8?B?Q3JvZXNvIGnigJlyIHTDrm0=?=\r\n"))
        #expect(message("x", subject: "Two\r\nBcc: evil@example.org").rfc5322(from: "m@example.org").contains("\r\nSubject: =?utf-8?B?"))
    }
}
