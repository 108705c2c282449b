/// An org's audit trail, oldest first: one line per event, kept in 32 bytes each.
///
/// A trail is the largest thing an org holds — a line for every event, never deleted — so a
/// line is stored as its target's id, its time and action in one word, and two 32-bit numbers:
/// one for its actor in a table of the org's distinct actors, and one for its details among the
/// few lines that have any. Its sequence is its position. Reading a line gives an ``AuditEntry``.
public struct AuditTrail: Hashable, Sendable {
    private struct Line: Hashable, Sendable {
        var target: AuditEntry.TargetID
        /// The time in milliseconds in the high 56 bits, the action's raw value in the low 8;
        /// a time too far from 1970 for 56 bits (over a million years) is kept in
        /// ``farTimes`` and marked here by ``Line/farTime``.
        var stamp: Int64
        var actor: UInt32
        /// One more than the details' index; 0 for none.
        var details: UInt32

        /// The stamp's time part that says the time is in ``farTimes``.
        static let farTime = Int64.min >> 8

        init(target: AuditEntry.TargetID, at: Timestamp, action: OrgEvent.Kind, actor: UInt32, details: UInt32) {
            self.target = target
            let milliseconds = at.millisecondsSinceEpoch
            let fits = milliseconds > Self.farTime && milliseconds <= Int64.max >> 8
            stamp = (fits ? milliseconds : Self.farTime) << 8 | Int64(action.rawValue)
            self.actor = actor
            self.details = details
        }

        var action: OrgEvent.Kind { OrgEvent.Kind(rawValue: UInt8(truncatingIfNeeded: stamp))! }

        /// The time, unless it is one of ``farTimes``.
        var at: Timestamp? {
            let milliseconds = stamp >> 8
            return milliseconds == Self.farTime ? nil : Timestamp(millisecondsSinceEpoch: milliseconds)
        }
    }

    private var lines: [Line] = []
    private var actors: [Principal] = []
    private var actorNumbers: [Principal: UInt32] = [:]
    private var details: [String] = []
    /// The times of lines too far from 1970 to pack, by position (only a damaged or forged
    /// record has one).
    private var farTimes: [Int: Timestamp] = [:]

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
        let line = Line(target: entry.targetID, at: entry.at, action: entry.action, actor: actor, details: detailsNumber)
        if line.at == nil { farTimes[lines.count] = entry.at }
        lines.append(line)
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
            at: line.at ?? farTimes[position]!,
            actor: actors[Int(line.actor)],
            action: line.action,
            target: line.target,
            details: line.details == 0 ? nil : details[Int(line.details - 1)]
        )
    }
}
