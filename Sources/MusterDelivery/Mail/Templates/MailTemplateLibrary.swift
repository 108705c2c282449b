import Foundation
import Mustache
import MusterDomain
import MusterWords

/// Every email template, compiled once at start: Muster's own in each language it ships,
/// replaced or extended by a deployment's folder.
///
/// The folder holds `<locale>/<kind>.<part>.mustache` files — `en/invitation.subject.mustache`,
/// `cy/sign_in_link.html.mustache`, `fr/invitation.text.mustache` — and any file Muster would not
/// use, or that does not parse, stops the start with an error naming it: a broken template is
/// found by the operator who wrote it, never by an invitee at send time. A language needs no
/// full set: what it lacks comes from its base language (`en` for `en-GB`), then from English.
///
/// A template of the plain kind emails use is rendered by ``PlainMustacheTemplate``, the rest by
/// the general Mustache renderer; which one is decided per template at start, after both have
/// rendered it alike with probing values.
package struct MailTemplateLibrary: Sendable {
    /// A compiled template: the general one always (it checks the syntax and names the
    /// error), the plain one when the template is of that kind and both render it alike.
    private struct Compiled: Sendable {
        let general: MustacheTemplate
        let plain: PlainMustacheTemplate?

        /// The part rendered with `values`, the plain way when there is one.
        func render(_ values: [String: MailTemplateValue]) -> String {
            if let plain { return plain.render(values) }
            return general.render(values.mapValues(\.any))
        }
    }

    /// `locale → name → template`.
    private let templates: [String: [String: Compiled]]

    /// The kinds of email, and the parts of each.
    package static let kinds = ["invitation", "collaborator_invitation", "sign_in_link"]
    package static let parts = ["subject", "text", "html"]

    /// Muster's own templates, and a deployment's from `directory` when it is given.
    package init(overrides directory: String? = nil) throws(MailTemplateError) {
        var sources = DefaultMailTemplates.all
        if let directory { try Self.read(directory, into: &sources) }
        var compiled = [String: [String: Compiled]]()
        for (locale, named) in sources {
            for (name, source) in named {
                // Subjects and text bodies are plain text: nothing in them is HTML-escaped.
                let isHTML = name.hasSuffix(".html")
                let general: MustacheTemplate
                do {
                    general = try MustacheTemplate(string: (isHTML ? HTMLEscaping.pragma : "{{%CONTENT_TYPE:TEXT}}") + source)
                } catch {
                    throw MailTemplateError("the email template \(locale)/\(name).mustache does not parse: \(error)")
                }
                let plain = PlainMustacheTemplate(source, escapesHTML: isHTML).flatMap { Self.rendersAlike($0, general) ? $0 : nil }
                compiled[locale, default: [:]][name] = Compiled(general: general, plain: plain)
            }
        }
        templates = compiled
    }

    /// Whether `plain` and `general` render the same text from every probe: each name set to
    /// text with HTML's special characters and a line break, to true, to false, left out, and
    /// each one alone set or alone left out. The plain one is used only when they do.
    private static func rendersAlike(_ plain: PlainMustacheTemplate, _ general: MustacheTemplate) -> Bool {
        let names = plain.names
        let text = MailTemplateValue.text("<a href=\"x\">Tom & Jerry's</a>\n  line two")
        func all(_ value: MailTemplateValue?) -> [String: MailTemplateValue] {
            guard let value else { return [:] }
            return Dictionary(uniqueKeysWithValues: names.map { ($0, value) })
        }
        var probes = [all(text), all(.flag(true)), all(.flag(false)), all(nil), all(.text(""))]
        for name in names {
            var without = all(text)
            without[name] = nil
            probes += [without, [name: text], [name: .flag(true)]]
        }
        return probes.allSatisfy { plain.render($0) == general.render($0.mapValues(\.any)) }
    }

    /// How many templates render the plain way, and how many the general way.
    package var plainAndGeneral: (plain: Int, general: Int) {
        let all = templates.values.flatMap(\.values)
        let plain = all.count { $0.plain != nil }
        return (plain, all.count - plain)
    }

    /// The languages with at least one template.
    package var locales: [String] { templates.keys.sorted() }

    /// Renders part `part` of email `kind` in `locale` (or the nearest language that has it).
    package func render(_ kind: String, _ part: String, locale: LocaleTag, _ values: [String: MailTemplateValue]) -> String {
        let name = "\(kind).\(part)"
        for candidate in [locale.value, String(locale.language), "en"] {
            if let template = templates[candidate]?[name] { return template.render(values) }
        }
        preconditionFailure("Muster ships every English template; \(name) is missing")
    }

    /// The language whose words (role names, durations) go with `locale`'s templates.
    package func words(for locale: LocaleTag) -> MailWords { MailWords.forLanguage(locale.language) }

    private static func read(_ directory: String, into sources: inout [String: [String: String]]) throws(MailTemplateError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MailTemplateError("the email template folder \(directory) does not exist")
        }
        let names = Set(kinds.flatMap { kind in parts.map { "\(kind).\($0)" } })
        let locales = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
        for locale in locales.sorted() where !locale.hasPrefix(".") {
            guard let tag = try? LocaleTag(locale), tag.value == locale else {
                throw MailTemplateError("\(directory)/\(locale) is not a language folder such as en, cy or en-GB")
            }
            let files = (try? manager.contentsOfDirectory(atPath: "\(directory)/\(locale)")) ?? []
            for file in files.sorted() where !file.hasPrefix(".") {
                let name = file.hasSuffix(".mustache") ? String(file.dropLast(".mustache".count)) : file
                guard file.hasSuffix(".mustache"), names.contains(name) else {
                    throw MailTemplateError(
                        "\(directory)/\(locale)/\(file) is not a template Muster uses; the names are <kind>.<part>.mustache with kind one of \(kinds.joined(separator: ", ")) and part one of \(parts.joined(separator: ", "))"
                    )
                }
                guard let data = manager.contents(atPath: "\(directory)/\(locale)/\(file)"), let source = String(data: data, encoding: .utf8) else {
                    throw MailTemplateError("\(directory)/\(locale)/\(file) could not be read as UTF-8 text")
                }
                sources[locale, default: [:]][name] = source
            }
        }
    }
}

/// A template folder that keeps the server from starting.
package struct MailTemplateError: Error, CustomStringConvertible, Sendable {
    package let description: String

    init(_ description: String) {
        self.description = description
    }
}
