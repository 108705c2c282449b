import HTTPTypes
import OpenAPIRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sends `Authorization: Bearer <token>` on every request: an org API key (`mka_…`), a
/// session token (`mks_…`) or the platform admin's token.
public struct BearerToken: ClientMiddleware {
    private let token: String

    /// A middleware that presents `token`.
    public init(_ token: String) {
        self.token = token
    }

    public func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}

extension Client {
    /// A client of the Muster server at `serverURL` (`http://127.0.0.1:8080`, say), calling as
    /// `token` through `transport` (for example swift-openapi-async-http-client's
    /// `AsyncHTTPClientTransport()`).
    public init(muster serverURL: URL, token: String?, transport: any ClientTransport) {
        self.init(serverURL: serverURL, transport: transport, middlewares: token.map { [BearerToken($0)] } ?? [])
    }
}
