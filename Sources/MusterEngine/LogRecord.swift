import MusterDomain

/// The position of a record in the log: 1 for the first record, without gaps.
public typealias LogPosition = UInt64

/// One command's events, appended to the log as one atomic record: after a crash either all
/// of them are there or none.
public enum LogRecord: Hashable, Sendable {
    /// Events of one organisation's stream.
    case org(OrganisationID, [OrgEventRecord])
    /// Events of the global directory's stream.
    case directory([DirectoryEventRecord])
}
