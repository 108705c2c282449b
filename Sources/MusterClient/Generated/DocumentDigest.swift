// swift-format-ignore-file
// Written by scripts/generate-client: the document this client was generated from.

/// The SHA-256, in hex, of the OpenAPI document (`muster openapi`) the client was generated from.
public let musterDocumentSHA256 = "4caedd071a295d96bc60a22f43d09417179cfc6ef032e570f13a1eee28ff4b71"
