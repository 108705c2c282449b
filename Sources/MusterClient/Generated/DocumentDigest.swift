// swift-format-ignore-file
// Written by scripts/generate-client: the document this client was generated from.

/// The SHA-256, in hex, of the OpenAPI document (`muster openapi`) the client was generated from.
public let musterDocumentSHA256 = "46059fdaa519252850d144afe2e119235de0b1c775124f67b341bfed9869dd40"
