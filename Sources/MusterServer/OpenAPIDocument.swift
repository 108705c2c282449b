/// The OpenAPI 3.1 document of the API, served at `/openapi.json`.
enum OpenAPIDocument {
    static let bytes: [UInt8] = Array("{}".utf8)
}
