import Hummingbird
import Logging

/// Writes a line for each request at the debug level: its method and its path, never its query.
///
/// Hummingbird's own request logger writes the whole URI, and a query can carry a secret: the
/// `token` of a sign-in, invitation or collaborator link (which would then sign anyone who reads
/// the log in), an address being searched for. The path alone names the route and the record.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.debug(
            "Request",
            metadata: ["hb.request.path": .string(request.uri.path), "hb.request.method": .string(request.method.rawValue)]
        )
        return try await next(request, context)
    }
}
