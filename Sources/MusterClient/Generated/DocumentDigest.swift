// swift-format-ignore-file
// Written by scripts/generate-client: the document this client was generated from.

/// The SHA-256, in hex, of the OpenAPI document (`muster openapi`) the client was generated from.
public let musterDocumentSHA256 = "3c1a2bc3b0c876b0871d3bbe893dc5c80ac01da6f01d2d023d68360530b90e28"
