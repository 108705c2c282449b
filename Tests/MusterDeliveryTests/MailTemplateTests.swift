import Foundation
import MusterDomain
import MusterWords
import Testing

@testable import MusterDelivery

@Suite("Email templates")
struct MailTemplateTests {
    static var values: [String: MailTemplateValue] {
        [
            "org_name": "Riverside <Housing>", "role": "a caseworker", "link": "https://app.example.org/invitations/accept?token=abc",
            "expires_in": "in 7 days", "expires_at": "9 December 2026, 07:40 UTC", "resent": false,
        ]
    }

    /// A folder with `files` (`locale/name` → text), removed by the caller.
    static func folder(_ files: [String: String]) throws -> String {
        let path = NSTemporaryDirectory() + "muster-templates-\(UUID().uuidString)"
        for (name, text) in files {
            let file = path + "/" + name
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        }
        return path
    }

    @Test("Muster's own templates say what the link is for in the seeds' words, in English and Welsh; HTML escapes what it is given, text does not")
    func theShippedTemplates() throws {
        let library = try MailTemplateLibrary()
        #expect(library.locales == ["cy", "en"])
        let english = try LocaleTag("en")
        #expect(library.render("invitation", "subject", locale: english, Self.values) == "You've been invited to Riverside <Housing> as a caseworker")
        let text = library.render("invitation", "text", locale: english, Self.values)
        #expect(text.contains("https://app.example.org/invitations/accept?token=abc") && text.contains("expires in 7 days"))
        let html = library.render("invitation", "html", locale: english, Self.values)
        #expect(html.contains("Riverside &lt;Housing&gt;") && !html.contains("<Housing>"), "an org name is text in HTML, never markup")
        let welsh = library.render("invitation", "subject", locale: try LocaleTag("cy"), Self.values)
        #expect(welsh.hasPrefix("Rydych wedi cael gwahoddiad i Riverside <Housing>"))
        // A language Muster has no templates for reads English; a regional one its base language.
        #expect(library.render("invitation", "subject", locale: try LocaleTag("fr"), Self.values).hasPrefix("You've been invited"))
        #expect(library.render("invitation", "subject", locale: try LocaleTag("cy-GB"), Self.values).hasPrefix("Rydych"))
        #expect(
            library.render("collaborator_invitation", "subject", locale: english, ["org_name": "PropFlow", "mode": "a support worker"])
                == "You've been invited to PropFlow as a support worker"
        )
    }

    @Test("Expiries read in words in each language")
    func expiriesInWords() {
        #expect(MailWords.english.expiresIn(.days(7)) == "in 7 days")
        #expect(MailWords.english.expiresIn(.minutes(15)) == "in 15 minutes")
        #expect(MailWords.english.expiresIn(.hours(36)) == "in 36 hours")
        #expect(MailWords.english.expiresIn(.days(1)) == "in 24 hours")
        #expect(MailWords.welsh.expiresIn(.days(7)) == "mewn 7 diwrnod")
        #expect(MailWords.welsh.expiresIn(.minutes(1)) == "mewn 1 munud")
        #expect(MailWords.english.date(Timestamp(millisecondsSinceEpoch: 1_796_802_000_000)) == "9 December 2026, 07:40 UTC")
        #expect(MailWords.welsh.date(Timestamp(millisecondsSinceEpoch: 1_796_802_000_000)) == "9 Rhagfyr 2026, 07:40 UTC")
    }

    @Test("A deployment's folder replaces a template or adds a language; what a language lacks comes from English")
    func aFolderOverrides() throws {
        let path = try Self.folder([
            "en/invitation.subject.mustache": "Join {{org_name}} now", "fr/invitation.subject.mustache": "Invitation à {{org_name}}",
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let library = try MailTemplateLibrary(overrides: path)
        #expect(library.render("invitation", "subject", locale: try LocaleTag("en"), Self.values) == "Join Riverside <Housing> now")
        #expect(library.render("invitation", "subject", locale: try LocaleTag("fr"), Self.values) == "Invitation à Riverside <Housing>")
        #expect(library.render("invitation", "text", locale: try LocaleTag("fr"), Self.values).contains("You've been invited"))
        #expect(library.render("invitation", "subject", locale: try LocaleTag("cy"), Self.values).hasPrefix("Rydych"), "other languages keep theirs")
    }

    @Test(
        "A broken or unknown template is refused when the library is built, naming the file",
        arguments: [
            ("en/invitation.html.mustache", "<p>{{#org_name}}unclosed</p>", "does not parse"),
            ("en/invitaton.text.mustache", "typo in the name", "is not a template Muster uses"),
            ("english/invitation.text.mustache", "{{org_name}}", "is not a language folder"),
            ("en/invitation.text.txt", "{{org_name}}", "is not a template Muster uses"),
        ]
    )
    func brokenTemplatesStopTheStart(file: String, text: String, complaint: String) throws {
        let path = try Self.folder([file: text])
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try MailTemplateLibrary(overrides: path)
            Issue.record("a broken folder was accepted")
        } catch {
            #expect(error.description.contains(complaint), "\(error)")
            #expect(error.description.contains(file.split(separator: "/").last.map(String.init)!) || error.description.contains("english"))
        }
        #expect(throws: MailTemplateError.self) { try MailTemplateLibrary(overrides: path + "-missing") }
    }

    @Test("An email with HTML is multipart/alternative: the text part, then the HTML part, each UTF-8, with Reply-To when the org set one")
    func multipartMessages() {
        let message = MailMessage(
            id: "7-0",
            kind: "invitation",
            to: "ann@example.org",
            subject: "Hi",
            text: "plain\nlines",
            html: "<p>rich</p>",
            replyTo: "help@riverside.example",
            queuedAt: 0,
            position: 7
        )
        let raw = message.rfc5322(from: "Muster <no-reply@example.org>")
        #expect(raw.contains("Reply-To: help@riverside.example\r\n"))
        #expect(raw.contains("Content-Type: multipart/alternative; boundary=\"muster-alt-7-0\"\r\n"))
        let text = raw.range(of: "Content-Type: text/plain; charset=utf-8")!
        let html = raw.range(of: "Content-Type: text/html; charset=utf-8")!
        #expect(text.lowerBound < html.lowerBound)
        #expect(raw.contains("plain\r\nlines\r\n") && raw.hasSuffix("--muster-alt-7-0--\r\n"))
    }
}
