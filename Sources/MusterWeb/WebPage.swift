import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders the pages people see — the link pages and the console — from Mustache templates
/// compiled once, inside one layout, with the headers every page carries: a strict
/// Content-Security-Policy (nothing from another origin, no inline script or style), no
/// framing, no referrer (a link's token must not leak to another site), and no caching.
struct WebPage: Sendable {
    private let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        for (name, source) in PageTemplates.all {
            // The templates are Muster's own; one that does not parse is a bug caught by the tests.
            try! library.register(source, named: name)
        }
        self.library = library
    }

    /// The Content-Security-Policy header's name.
    static let policyHeader = HTTPField.Name("Content-Security-Policy")!

    /// The policy of every page; `imagesFrom` adds one origin images may come from (an org's
    /// logo, an https origin checked when it was set).
    static func policy(imagesFrom origin: String? = nil) -> String {
        let images = origin.map { "'self' \($0)" } ?? "'self'"
        return "default-src 'none'; style-src 'self'; script-src 'self'; img-src \(images); form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
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
        library.render(values, withTemplate: template) ?? ""
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
