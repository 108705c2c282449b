/// Whether a form was posted by one of Muster's own pages: the check that stops a page of
/// another site from submitting a form in a signed-in person's browser.
///
/// A browser names the page a POST came from in `Origin`, and modern ones say in
/// `Sec-Fetch-Site` whether it was the same site. A form is refused when either names another
/// site. An origin of `null` proves nothing either way — Chromium sends it for a same-origin
/// form on a page with `Referrer-Policy: no-referrer`, as every page here is, and a sandboxed
/// frame sends it too — so then `Sec-Fetch-Site` and the form token decide. The deployment's
/// own origin is the public base URL's; a page opened at the address the request itself was
/// sent to (`localhost` beside `127.0.0.1`, say) counts too, but only with the same scheme,
/// so an http page never posts into an https deployment. A request without either header is
/// not a browser's and is left to the form token.
package struct SameOrigin: Sendable, Equatable {
    /// `scheme://host[:port]` of the public base URL, lower-cased.
    package let origin: String
    /// `http` or `https`.
    let scheme: String

    /// The policy of a deployment whose links start with `publicBaseURL`.
    package init(publicBaseURL: String) {
        let lowered = publicBaseURL.lowercased()
        let scheme = lowered.hasPrefix("https://") ? "https" : "http"
        let rest = lowered.drop { $0 != "/" }.drop { $0 == "/" }
        var authority = String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        // The default port is not part of an origin a browser sends.
        if scheme == "https", authority.hasSuffix(":443") { authority.removeLast(4) }
        if scheme == "http", authority.hasSuffix(":80") { authority.removeLast(3) }
        self.scheme = scheme
        self.origin = "\(scheme)://\(authority)"
    }

    /// Whether a request with these headers came from one of this deployment's pages.
    /// - Parameters:
    ///   - origin: the `Origin` header, if sent.
    ///   - fetchSite: the `Sec-Fetch-Site` header, if sent.
    ///   - authority: the address the request was sent to (`Host`).
    package func admits(origin: String?, fetchSite: String?, authority: String?) -> Bool {
        if let fetchSite, fetchSite != "same-origin", fetchSite != "none" { return false }
        guard let origin, origin != "null" else { return true }
        let sent = origin.lowercased()
        if sent == self.origin { return true }
        if let authority, sent == "\(scheme)://\(authority.lowercased())" { return true }
        return false
    }
}
