// swift-format-ignore-file
// Written by scripts/generate-client: the document this client was generated from.

/// The SHA-256, in hex, of the OpenAPI document (`muster openapi`) the client was generated from.
public let musterDocumentSHA256 = "152b68eb1479484c7b31de29a169d98f7571dff256a172e47c60353a6ca76810"
