// swift-format-ignore-file
// Written by scripts/generate-client: the document this client was generated from.

/// The SHA-256, in hex, of the OpenAPI document (`muster openapi`) the client was generated from.
public let musterDocumentSHA256 = "703279562bcbbe7bf1762c3b299c865f11fbf1a1df3c0e039589e794d2235815"
