import HTTPTypes
import Hummingbird
import Mustache
import MusterDelivery
import MusterWords
import NIOCore

/// Renders the pages people see — the link pages and the console — from Mustache templates
/// compiled once, inside one layout, with the headers every page carries: a strict
/// Content-Security-Policy (nothing from another origin, no inline script or style), no
/// framing, no referrer (a link's token must not leak to another site), and no caching.
///
/// There is one library of templates per language: the same pages, with the message
/// catalogue's entries of that language as the partials `t.<key>` they show.
struct WebPage: Sendable {
    private let libraries: [Language: MustacheLibrary]

    init() {
        var libraries = [Language: MustacheLibrary]()
        for language in Language.allCases {
            var library = MustacheLibrary()
            // The templates and the catalogue are Muster's own; one that does not parse is a bug
            // caught by the tests.
            // Each escapes HTML scalar by scalar (``HTMLEscaping``), partials too.
            for (name, source) in PageTemplates.all { try! library.register(HTMLEscaping.pragma + source, named: name) }
            for (key, text) in ConsoleText.of(language).entries { try! library.register(HTMLEscaping.pragma + text, named: "t." + key) }
            libraries[language] = library
        }
        self.libraries = libraries
    }

    /// The library for a page's values: the language their `lang` names, else English.
    private func library(_ values: [String: Any]) -> MustacheLibrary {
        libraries[(values["lang"] as? String).flatMap(Language.init(rawValue:)) ?? .english] ?? libraries[.english]!
    }

    /// The Content-Security-Policy header's name.
    static let policyHeader = HTTPField.Name("Content-Security-Policy")!

    /// The policy of every page; `imagesFrom` adds one origin images may come from (an org's
    /// logo, an https origin checked when it was set).
    static func policy(imagesFrom origin: String? = nil) -> String {
        let images = origin.map { "'self' \($0)" } ?? "'self'"
        return
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src \(images); form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    /// The headers of every page.
    static let securityHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        policyHeader: policy(),
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
    ]

    /// `template` rendered with `values` inside the layout, titled `title`.
    func render(_ template: String, title: String, _ values: [String: Any], status: HTTPResponse.Status = .ok, cookies: [Cookie] = []) -> Response {
        let library = library(values)
        let body = library.render(values, withTemplate: template) ?? ""
        var layout = values
        layout["title"] = title
        layout["body"] = body
        let html = library.render(layout, withTemplate: "layout") ?? body
        var response = Response(status: status, headers: Self.securityHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// `template` rendered with `values`, without the layout: a piece of a page.
    func fragment(_ template: String, _ values: [String: Any]) -> String {
        library(values).render(values, withTemplate: template) ?? ""
    }

    /// A redirect after a form (POST, then GET), optionally setting cookies.
    static func redirect(to location: String, cookies: [Cookie] = []) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        var response = Response(status: .seeOther, headers: headers)
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }
}
