import Testing

@testable import MusterWeb

/// Which pages may post the console's and the link pages' forms.
@Suite("Same-origin forms")
struct SameOriginTests {
    @Test("The origin is the public base URL's scheme, host and port, without a default port or a path")
    func theOriginIsThePublicBaseURLs() {
        #expect(SameOrigin(publicBaseURL: "https://App.Example.org/").origin == "https://app.example.org")
        #expect(SameOrigin(publicBaseURL: "https://app.example.org:443/muster").origin == "https://app.example.org")
        #expect(SameOrigin(publicBaseURL: "http://127.0.0.1:8080").origin == "http://127.0.0.1:8080")
        #expect(SameOrigin(publicBaseURL: "http://muster.internal:80?x").origin == "http://muster.internal")
    }

    @Test(
        "A form is admitted only from the deployment's own pages",
        arguments: [
            // (Origin, Sec-Fetch-Site, Host, admitted)
            ("https://app.example.org", "same-origin", "app.example.org", true),
            ("https://APP.example.org", nil, "internal:8080", true),
            ("https://app.example.org", "cross-site", "app.example.org", false),
            ("https://app.example.org", "same-site", "app.example.org", false),
            ("https://evil.example", nil, "app.example.org", false),
            ("http://app.example.org", nil, "app.example.org", false),
            ("null", "same-origin", "app.example.org", true),
            ("null", "cross-site", "app.example.org", false),
            ("https://app.example.org.evil.example", nil, "app.example.org", false),
            ("https://localhost:8443", nil, "localhost:8443", true),
            ("http://localhost:8443", nil, "localhost:8443", false),
            (nil, nil, "app.example.org", true),
            (nil, "cross-site", "app.example.org", false),
        ] as [(String?, String?, String?, Bool)]
    )
    func formsComeFromOwnPages(_ origin: String?, _ fetchSite: String?, _ host: String?, _ admitted: Bool) {
        let policy = SameOrigin(publicBaseURL: "https://app.example.org/")
        #expect(policy.admits(origin: origin, fetchSite: fetchSite, authority: host) == admitted)
    }
}
