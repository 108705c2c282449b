import MusterDomain

/// The API's resources as ``WireShape``s: the one place each record's JSON, its schema in the
/// OpenAPI document and its CSV columns are described. Grouped by resource in extensions
/// (`Wire+Invitations.swift`, …).
enum Wire {}
