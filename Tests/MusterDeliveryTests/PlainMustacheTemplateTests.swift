import Foundation
import Mustache
import MusterDomain
import Testing

@testable import MusterDelivery

@Suite("Plain email templates")
struct PlainMustacheTemplateTests {
    /// Values that open and close every section of the templates below in turn.
    static let valueSets: [[String: MailTemplateValue]] = [
        [:],
        ["name": "Ann", "on": true, "off": false, "list": "x"],
        ["name": "<b>Tom & 'Jerry'</b>", "on": false, "off": true],
        ["name": "", "on": "", "off": "text", "list": "y\nz"],
        ["name": true, "on": "yes"],
    ]

    /// The general renderer's answer, as the library built it before there was a plain one.
    static func general(_ source: String, html: Bool, _ values: [String: MailTemplateValue]) throws -> String {
        try MustacheTemplate(string: (html ? HTMLEscaping.pragma : "{{%CONTENT_TYPE:TEXT}}") + source).render(values.mapValues(\.any))
    }

    @Test(
        "A plain template renders exactly as the general renderer does: standalone lines, blanks, nesting, escaping",
        arguments: [
            "Hello {{name}}!",
            "intro\n{{#on}}\nshown\n{{/on}}\nafter",
            "intro\n  {{#on}}  \n  indented\n  {{/on}}\t\nend\n",
            "a\n{{^off}}\nnot off\n{{/off}}\nb",
            "{{#on}}{{name}}{{/on}}{{^on}}nobody{{/on}} stays on one line",
            "x {{#on}}\ny\n{{/on}} z",
            "{{! a comment alone }}\nline\n  {{!inline}} kept {{! and here }}\n",
            "triple {{{name}}} and amp {{& name}} and {{ name }}",
            "intro\n{{#on}}\n{{#off}}\nboth\n{{/off}}\n{{^off}}\non only\n{{/off}}\n{{/on}}\n",
            "windows\r\n{{#on}}\r\nline\r\n{{/on}}\r\nend",
            "{{#on}}last line has no end{{/on}}",
            "\n{{#on}}\n{{/on}}",
            "\n\nstarts with blank lines\n",
            "{{#on}}{{/on}}\n  {{^off}}\nx\n  {{/off}}",
            "a { single brace } and {{name}}{{#on}}{{/on}}",
            "intro\n{{#list}}\n- {{list}}\n{{/list}}",
        ]
    )
    func rendersLikeTheGeneralRenderer(source: String) throws {
        for html in [false, true] {
            let plain = try #require(PlainMustacheTemplate(source, escapesHTML: html), "\(source) is of the plain kind")
            for values in Self.valueSets {
                let expected = try Self.general(source, html: html, values)
                #expect(
                    plain.render(values) == expected,
                    "\(source.debugDescription) with \(values): \(plain.render(values).debugDescription) against \(expected.debugDescription)"
                )
            }
        }
    }

    @Test(
        "A template using more of Mustache than the plain kind is left to the general renderer",
        arguments: [
            "{{org.name}}", "{{> partial}}", "{{=<% %>=}}<% name %>", "{{uppercased(name)}}", "{{#on}}{{.}}{{/on}}", "{{%CONTENT_TYPE:TEXT}}x",
            "{{$block}}x{{/block}}", "{{<parent}}{{/parent}}", "{{#on}}unclosed", "{{/on}}", "{{#a}}{{/b}}", "{{name", "line\rbreak", "{{}}",
            "a\n{{#on}}x\n{{/on}}  ",
        ]
    )
    func moreThanPlainIsNotCompiled(source: String) {
        #expect(PlainMustacheTemplate(source, escapesHTML: true) == nil)
    }

    @Test("Every template Muster ships renders the plain way, and a folder's template that needs the general renderer still renders")
    func theLibraryUsesThePlainRendererWhereItCan() throws {
        let shipped = try MailTemplateLibrary()
        #expect(shipped.plainAndGeneral.general == 0)
        #expect(shipped.plainAndGeneral.plain == 2 * MailTemplateLibrary.kinds.count * MailTemplateLibrary.parts.count)
        let path = try MailTemplateTests.folder(["en/invitation.subject.mustache": "{{#org_name}}Join {{.}}{{/org_name}}"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let library = try MailTemplateLibrary(overrides: path)
        #expect(library.plainAndGeneral.general == 1)
        #expect(library.render("invitation", "subject", locale: .init(normalised: "en"), ["org_name": "Riverside"]) == "Join Riverside")
    }

    @Test("Attacker: a value cannot become markup in an HTML part, whatever the name holds; text parts and triple braces show it as written")
    func valuesAreEscapedInHTML() throws {
        let attack = "<script>alert('x')</script>\" onmouseover=\"steal()\" &amp;"
        let html = try #require(PlainMustacheTemplate("<p title=\"{{name}}\">{{name}}</p>", escapesHTML: true))
        let rendered = html.render(["name": .text(attack)])
        #expect(!rendered.contains("<script>") && !rendered.contains("\" onmouseover"))
        #expect(
            rendered == "<p title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot; onmouseover=&quot;steal()&quot; &amp;amp;\">"
                + "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot; onmouseover=&quot;steal()&quot; &amp;amp;</p>"
        )
        #expect(try PlainMustacheTemplate("{{name}}", escapesHTML: false)?.render(["name": .text(attack)]) == attack)
        #expect(try PlainMustacheTemplate("{{{name}}}", escapesHTML: true)?.render(["name": .text(attack)]) == attack)
        // A quote carrying a combining mark is one character but still a quote: escaped, in
        // the plain renderer and in the general one (an operator's template), alike.
        let combining = "x\"\u{301} onerror=alert(1) style=position:fixed"
        let escaped = try #require(PlainMustacheTemplate("<img alt=\"{{name}}\">", escapesHTML: true)).render(["name": .text(combining)])
        #expect(escaped == "<img alt=\"x&quot;\u{301} onerror=alert(1) style=position:fixed\">")
        let path = try MailTemplateTests.folder(["en/invitation.html.mustache": "{{#org_name}}<img alt=\"{{org_name.x}}{{org_name}}\">{{/org_name}}"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let general = try MailTemplateLibrary(overrides: path)
        #expect(general.plainAndGeneral.general == 1)
        #expect(general.render("invitation", "html", locale: .init(normalised: "en"), ["org_name": .text(combining)]) == escaped)
        // A name's value is never read as a template: tags inside it stay text.
        #expect(try PlainMustacheTemplate("{{name}}", escapesHTML: false)?.render(["name": "{{#on}}x{{/on}}", "on": true]) == "{{#on}}x{{/on}}")
    }
}
