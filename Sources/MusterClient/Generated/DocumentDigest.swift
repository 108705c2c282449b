// swift-format-ignore-file
// Written by scripts/generate-client: the document this client was generated from.

/// The SHA-256, in hex, of the OpenAPI document (`muster openapi`) the client was generated from.
public let musterDocumentSHA256 = "0cddc6b5d53686a5eabbcf4b9f12a16795359ffd23622ad597cda23bf6262127"
