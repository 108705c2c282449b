import HTTPTypes
import Hummingbird

/// The contract the router holds requests to, read from the OpenAPI document (which a test
/// keeps equal to the router): which query parameters each operation takes, and which methods
/// each path serves.
enum APIContract {
    /// `METHOD /path/{template}` → the names of its query parameters.
    static let queryParameters: [String: Set<String>] = Dictionary(
        uniqueKeysWithValues: OpenAPIDocument.operations.map { operation in
            ("\(operation.method) \(operation.path)", Set(operation.parameters.filter { $0.location == "query" }.map(\.name)))
        })

    /// The path templates, split into segments, with the methods each serves.
    private static let templates: [(segments: [Substring], methods: [String])] = OpenAPIDocument.orderedPaths.map { path in
        (path.split(separator: "/"), OpenAPIDocument.operations.filter { $0.path == path }.map(\.method))
    }

    /// Refuses a query parameter the matched operation does not take, naming it and the ones it
    /// does: a misspelt filter must never silently answer with everything.
    static func checkQuery(_ request: Request, route: String?) throws(Problem) {
        let query = request.uri.queryParameters
        guard !query.isEmpty, let route, let known = queryParameters["\(request.method.rawValue) \(route)"] else { return }
        let unknown = Set(query.map { String($0.key) }).subtracting(known).sorted()
        guard !unknown.isEmpty else { return }
        let takes = known.isEmpty ? "takes no query parameters" : "takes " + known.sorted().map { "`\($0)`" }.joined(separator: ", ")
        throw Problem(
            .badRequest, code: "unknown_query_parameter",
            "unknown query parameter\(unknown.count == 1 ? "" : "s") \(unknown.map { "`\($0)`" }.joined(separator: ", ")); \(request.method.rawValue) \(route) \(takes)"
        )
    }

    /// The methods served at `path` (a concrete path such as `/v1/orgs/…/tenants`), or none
    /// when no route has this shape.
    static func methods(servingPath path: String) -> [String] {
        let segments = path.split(separator: "/")
        var methods = [String]()
        for template in templates where template.segments.count == segments.count {
            let matches = zip(template.segments, segments).allSatisfy { pattern, segment in pattern.hasPrefix("{") || pattern == segment }
            if matches { methods += template.methods.filter { !methods.contains($0) } }
        }
        return methods
    }
}
