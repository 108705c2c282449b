import Foundation
import MusterTestSupport
import Testing

@testable import MusterDelivery

/// The RFC 5322 form of an email, written in one pass.
@Suite("Email messages")
struct MailMessageTests {
    private func message(_ text: String, subject: String = "Welcome") -> MailMessage {
        MailMessage(
            id: "42-0",
            kind: "invitation",
            to: "ann@example.org",
            subject: subject,
            text: text,
            queuedAt: 1_795_305_600_000,
            position: 42
        )
    }

    @Test(
        "Every line of the body ends in CRLF, whatever the text used, and the body ends with one",
        arguments: [
            ("one line", "one line\r\n"),
            ("a\nb", "a\r\nb\r\n"),
            ("a\r\nb\r\n", "a\r\nb\r\n"),
            ("a\n\nb\n", "a\r\n\r\nb\r\n"),
            ("ends in CR\r", "ends in CR\r\n"),
            ("lone\rCR inside", "lone=0DCR inside\r\n"),
            ("", "\r\n"),
        ]
    )
    func lineEndsAreCRLF(_ text: String, _ body: String) {
        let rendered = message(text).rfc5322(from: "Muster <no-reply@example.org>")
        #expect(String(rendered[rendered.range(of: "\r\n\r\n")!.upperBound...]) == body)
        #expect(
            rendered.hasPrefix(
                "Message-ID: <42-0@muster>\r\nDate: Sun, 22 Nov 2026 00:00:00 +0000\r\nFrom: Muster <no-reply@example.org>\r\nTo: ann@example.org\r\n"
            )
        )
        #expect(rendered.contains("\r\nX-Muster-Mail-Kind: invitation\r\n\r\n"))
    }

    @Test("Bodies are quoted-printable: no line passes 76 characters, the message is 7-bit, and it reads back exactly")
    func bodiesAreQuotedPrintable() {
        let long = "https://app.example.org/invitations/accept?token=mk1." + String(repeating: "a1b2", count: 80)
        let text = "Croeso i’r tîm — a = b\n\(long)\ntrailing space \nend"
        let rendered = message(text).rfc5322(from: "m@example.org")
        let body = String(rendered[rendered.range(of: "\r\n\r\n")!.upperBound...])
        #expect(rendered.contains("Content-Transfer-Encoding: quoted-printable\r\n"))
        #expect(body.utf8.allSatisfy { $0 < 0x80 }, "an 8-bit byte in the body")
        #expect(body.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 76 }, "a line over 76 characters")
        #expect(body.contains("a =3D b") && body.contains("trailing space=20\r\n"))
        #expect(QuotedPrintable.decoded(body) == text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
    }

    @Test("A subject that is not plain ASCII is an RFC 2047 encoded word, so no header can be split")
    func subjectsAreEncoded() {
        #expect(
            message("x", subject: "Croeso i’r tîm").rfc5322(from: "m@example.org").contains("\r\nSubject: =?utf-8?B?Q3JvZXNvIGnigJlyIHTDrm0=?=\r\n")
        )
        #expect(message("x", subject: "Two\r\nBcc: evil@example.org").rfc5322(from: "m@example.org").contains("\r\nSubject: =?utf-8?B?"))
    }

    /// The Subject header of `subject`'s message, its lines as sent.
    private func subjectLines(_ subject: String) -> [String] {
        let rendered = message("x", subject: subject).rfc5322(from: "m@example.org")
        let start = rendered.range(of: "\r\nSubject: ")!.lowerBound
        // "\r\n" is one Character.
        var lines = rendered[start...].dropFirst().components(separatedBy: "\r\n")
        let end = lines.dropFirst().firstIndex { !$0.hasPrefix(" ") }!
        lines = Array(lines[..<end])
        return lines
    }

    @Test("A long plain subject is folded at spaces into lines of at most 78 characters and unfolds to itself")
    func longPlainSubjectsAreFolded() {
        let subject = "You've been invited to " + String(repeating: "Northfield Community Housing Association ", count: 4) + "as a support worker"
        let lines = subjectLines(subject)
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.joined().dropFirst("Subject: ".count) == subject[...])
    }

    @Test("A long subject that is not ASCII is several encoded words, one a line, that decode to it without splitting a letter")
    func longEncodedSubjectsAreSplitOnCharacters() throws {
        let subject = "Rydych chi wedi cael gwahoddiad i ymuno â Chymdeithas Tai Cymunedol Llanfair’r Pŵll fel gweithiwr cymorth 👩‍⚕️"
        let lines = subjectLines(subject)
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        var decoded = ""
        for line in lines {
            let word = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "Subject: ", with: "")
            #expect(word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?=") && word.count <= 75)
            let data = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            // Each word is whole UTF-8 on its own: no character is split between two.
            decoded += try #require(String(data: data, encoding: .utf8))
        }
        #expect(decoded == subject)
    }
}
