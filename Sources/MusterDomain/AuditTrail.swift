/// An org's audit trail, oldest first: one line per event, kept in 40 bytes each.
///
/// A trail is the largest thing an org holds — a line for every event, never deleted — so a
/// line is stored as its target's id, its time, its action, and two 32-bit numbers: one for
/// its actor in a table of the org's distinct actors, and one for its details among the few
/// lines that have any. Its sequence is its position. Reading a line gives an ``AuditEntry``.
public struct AuditTrail: Hashable, Sendable {
    private struct Line: Hashable, Sendable {
        var target: AuditEntry.TargetID
        var at: Timestamp
        var actor: UInt32
        /// One more than the details' index; 0 for none.
        var details: UInt32
        var action: OrgEvent.Kind
    }

    private var lines: [Line] = []
    private var actors: [Principal] = []
    private var actorNumbers: [Principal: UInt32] = [:]
    private var details: [String] = []

    /// An empty trail.
    public init() {}

    /// A trail of `entries`, oldest first; each entry's sequence must be its position from 1.
    public init(_ entries: [AuditEntry]) {
        lines.reserveCapacity(entries.count)
        for entry in entries { append(entry) }
    }

    /// Makes room for `count` lines in all.
    public mutating func reserveCapacity(_ count: Int) {
        lines.reserveCapacity(count)
    }

    /// Adds the line of the next event, whose sequence must be one more than the last line's.
    public mutating func append(_ entry: AuditEntry) {
        precondition(entry.sequence == UInt64(lines.count + 1), "audit line \(entry.sequence) appended after \(lines.count)")
        let actor: UInt32
        // Runs of lines by one actor are the rule (an admin's batch, the expiry sweep): compare
        // with the last line's actor before hashing the principal.
        if let last = lines.last, actors[Int(last.actor)] == entry.actor {
            actor = last.actor
        } else if let number = actorNumbers[entry.actor] {
            actor = number
        } else {
            actor = UInt32(actors.count)
            actors.append(entry.actor)
            actorNumbers[entry.actor] = actor
        }
        var detailsNumber: UInt32 = 0
        if let text = entry.details {
            details.append(text)
            detailsNumber = UInt32(details.count)
        }
        lines.append(Line(target: entry.targetID, at: entry.at, actor: actor, details: detailsNumber, action: entry.action))
    }
}

extension AuditTrail: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { lines.count }

    /// The line at `position` (its sequence is `position + 1`).
    public subscript(position: Int) -> AuditEntry {
        let line = lines[position]
        return AuditEntry(
            sequence: UInt64(position + 1),
            at: line.at,
            actor: actors[Int(line.actor)],
            action: line.action,
            target: line.target,
            details: line.details == 0 ? nil : details[Int(line.details - 1)]
        )
    }
}
