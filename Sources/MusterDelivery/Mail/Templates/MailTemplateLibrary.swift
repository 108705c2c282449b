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
package struct MailTemplateLibrary: Sendable {
    /// `locale → name → template`.
    private let templates: [String: [String: MustacheTemplate]]

    /// The kinds of email, and the parts of each.
    package static let kinds = ["invitation", "collaborator_invitation", "sign_in_link"]
    package static let parts = ["subject", "text", "html"]

    /// Muster's own templates, and a deployment's from `directory` when it is given.
    package init(overrides directory: String? = nil) throws(MailTemplateError) {
        var sources = DefaultMailTemplates.all
        if let directory { try Self.read(directory, into: &sources) }
        var compiled = [String: [String: MustacheTemplate]]()
        for (locale, named) in sources {
            for (name, source) in named {
                // Subjects and text bodies are plain text: nothing in them is HTML-escaped.
                let text = name.hasSuffix(".html") ? source : "{{%CONTENT_TYPE:TEXT}}" + source
                do {
                    compiled[locale, default: [:]][name] = try MustacheTemplate(string: text)
                } catch {
                    throw MailTemplateError("the email template \(locale)/\(name).mustache does not parse: \(error)")
                }
            }
        }
        templates = compiled
    }

    /// The languages with at least one template.
    package var locales: [String] { templates.keys.sorted() }

    /// Renders part `part` of email `kind` in `locale` (or the nearest language that has it).
    package func render(_ kind: String, _ part: String, locale: LocaleTag, _ values: [String: Any]) -> String {
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
