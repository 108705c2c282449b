// swift-format-ignore-file
// Written by scripts/generate-client: the document this client was generated from.

/// The SHA-256, in hex, of the OpenAPI document (`muster openapi`) the client was generated from.
public let musterDocumentSHA256 = "65fd437ea566a034292a18cfcef1379f7a3ac695eca715b782143ba7f55af5e9"
