import HTTPTypes
import Hummingbird
import MusterWeb

/// The contract the router holds requests to, read from the OpenAPI document (which a test
/// keeps equal to the router): which query parameters each operation takes, and which methods
/// each path serves.
enum APIContract {
    /// `METHOD /path/{template}` → the names of its query parameters.
    static let queryParameters: [String: Set<String>] = Dictionary(
        uniqueKeysWithValues: OpenAPIDocument.operations.map { operation in
            ("\(operation.method) \(operation.path)", Set(operation.parameters.filter { $0.location == "query" }.map(\.name)))
        }
    )

    /// The path templates, split into segments, with the methods each serves.
    private static let templates: [(path: String, segments: [Substring], methods: [String])] = OpenAPIDocument.orderedPaths.map { path in
        (path, path.split(separator: "/"), OpenAPIDocument.operations.filter { $0.path == path }.map(\.method))
    }

    /// Refuses a query parameter the matched operation does not take, naming it and the ones it
    /// does: a misspelt filter must never silently answer with everything.
    static func checkQuery(_ request: Request, route: String?) throws(Problem) {
        let names = request.queryFields.names
        guard !names.isEmpty, let route, let known = queryParameters["\(request.method.rawValue) \(route)"] else { return }
        let unknown = Set(names).subtracting(known).sorted()
        guard !unknown.isEmpty else { return }
        let takes = known.isEmpty ? "takes no query parameters" : "takes " + known.sorted().map { "`\($0)`" }.joined(separator: ", ")
        throw Problem(
            .badRequest,
            code: "unknown_query_parameter",
            "unknown query parameter\(unknown.count == 1 ? "" : "s") \(unknown.map { "`\($0)`" }.joined(separator: ", ")); \(request.method.rawValue) \(route) \(takes)"
        )
    }

    /// The methods served at `path` (a concrete path such as `/v1/orgs/…/tenants`), or none
    /// when no route has this shape.
    static func methods(servingPath path: String) -> [String] {
        template(servingPath: path)?.methods ?? []
    }

    /// The operation that answers `method` at the concrete `path`, if one does.
    static func operation(_ method: String, servingPath path: String) -> OpenAPIDocument.Operation? {
        guard let template = template(servingPath: path) else { return nil }
        return OpenAPIDocument.operations.first { $0.method == method && $0.path == template.path }
    }

    /// The template the router would match `path` to, with its methods.
    private static func template(servingPath path: String) -> (path: String, methods: [String])? {
        let segments = path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/") } ?? []
        // The router prefers a literal segment to a `{parameter}` one, and does not fall back:
        // `…/invitations/batch` is the batch route only, never `…/invitations/{id}`.
        var best: (literals: [Bool], path: String, methods: [String])?
        for template in templates where template.segments.count == segments.count {
            guard zip(template.segments, segments).allSatisfy({ pattern, segment in pattern.hasPrefix("{") || pattern == segment }) else { continue }
            let literals = template.segments.map { !$0.hasPrefix("{") }
            if let current = best, !Self.isMoreSpecific(literals, than: current.literals) { continue }
            best = (literals, template.path, template.methods)
        }
        return best.map { ($0.path, $0.methods) }
    }

    /// Whether, at the first segment where they differ, `one` has the literal.
    private static func isMoreSpecific(_ one: [Bool], than other: [Bool]) -> Bool {
        for (a, b) in zip(one, other) where a != b { return a }
        return false
    }
}
