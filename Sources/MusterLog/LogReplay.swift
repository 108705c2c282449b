import Dispatch
import MusterDomain
import MusterEngine
import MusterStorage
import Synchronization

/// Folds recovered log records onto the snapshot's states, one batch at a time, as recovery
/// reads them: the directory's events in order, each org's in order, the orgs of a batch in
/// parallel. Nothing holds the whole log decoded: a batch is applied and dropped before the
/// next is read.
///
/// Records a state already holds (by its stream sequence) are skipped, because a snapshot may
/// hold a little more than its position.
package final class LogReplay {
    package private(set) var directory: DirectoryState
    private var index: [OrganisationID: Int] = [:]
    /// Every org's state, in the order first seen.
    package private(set) var orgs: [OrgState] = []
    /// The request marks of the replayed records, oldest first.
    package private(set) var marks: [(position: LogPosition, mark: RequestMark)] = []
    /// How many records were applied.
    package private(set) var records = 0

    /// A replay starting from `snapshot` (from empty states without one).
    package init(onto snapshot: Snapshot?) {
        directory = snapshot?.directory ?? DirectoryState()
        for state in snapshot?.orgs ?? [] {
            index[state.id] = orgs.count
            orgs.append(state)
        }
    }

    /// Applies one batch of records, in log order.
    package func apply(_ batch: [LogRecordAt]) throws(LogError) {
        try apply(frames: [batch])
    }

    /// Applies the records of a run of frames, in log order, each frame's records as decoded.
    ///
    /// The directory's events and each org's are applied at once on every core: they touch
    /// disjoint states. Events are handed on as the record's own arrays, never copied one by
    /// one.
    package func apply(frames: [[LogRecordAt]]) throws(LogError) {
        var perOrg = [Int: [[OrgEventRecord]]]()
        var directoryEvents = [(position: LogPosition, events: [DirectoryEventRecord])]()
        for frame in frames {
            records += frame.count
            // By index, not `for entry in frame`: binding each record copied the whole of it
            // (a retain of each of its parts) only to take its events array.
            for entryIndex in frame.indices {
                if let mark = frame[entryIndex].mark { marks.append((frame[entryIndex].position, mark)) }
                switch frame[entryIndex].record {
                case .directory(let events):
                    directoryEvents.append((frame[entryIndex].position, events))
                case .org(let orgID, let events):
                    let slot: Int
                    if let existing = index[orgID] {
                        slot = existing
                    } else {
                        slot = orgs.count
                        index[orgID] = slot
                        orgs.append(OrgState(id: orgID))
                    }
                    perOrg[slot, default: []].append(events)
                }
            }
        }
        let work = Array(perOrg)
        let directoryRecords = directoryEvents
        // Each state is moved out, changed and moved back, so no copy is made.
        let states = Mutex(orgs)
        orgs = []
        let directoryState = Mutex(directory)
        directory = DirectoryState()
        let failure = Mutex<LogError?>(nil)
        // The directory is item 0: items are handed out in order, so its run (often the
        // longest) starts first instead of leaving one core alone at the end.
        DispatchQueue.concurrentPerform(iterations: work.count + 1) { item in
            guard item > 0 else {
                var state = directoryState.withLock { state in
                    defer { state = DirectoryState() }
                    return state
                }
                if let error = Self.apply(directoryRecords, to: &state) { failure.withLock { $0 = $0 ?? error } }
                directoryState.withLock { $0 = state }
                return
            }
            let (slot, eventLists) = work[item - 1]
            var state = states.withLock { states in
                defer { states[slot] = OrgState(id: states[slot].id) }
                return states[slot]
            }
            lists: for events in eventLists {
                if let gap = state.applyInOrder(events) {
                    let error = LogError.corrupt(segment: "", offset: -1, reason: "org \(state.id) event \(gap) follows \(state.version)")
                    failure.withLock { $0 = $0 ?? error }
                    break lists
                }
            }
            let finished = state
            states.withLock { $0[slot] = finished }
        }
        orgs = states.withLock { $0 }
        directory = directoryState.withLock { $0 }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Applies the directory's events of a batch in order; the error for one that does not
    /// follow the state's version.
    private static func apply(_ records: [(position: LogPosition, events: [DirectoryEventRecord])], to directory: inout DirectoryState) -> LogError? {
        for (position, events) in records {
            if let gap = directory.applyInOrder(events) {
                return .corrupt(segment: "", offset: -1, reason: "directory event \(gap) at position \(position) follows \(directory.version)")
            }
        }
        return nil
    }
}

/// A state replay folds events into (an org's, the directory's): its version, and the one
/// function that applies an event, the same live and on replay.
private protocol ReplayedState {
    associatedtype Record
    var version: UInt64 { get }
    mutating func apply(_ record: Record)
    static func sequence(of record: Record) -> UInt64
}

extension ReplayedState {
    /// Applies the events after the state's version in order, each borrowed where it lies in
    /// the array rather than copied; the sequence number of the first that skips one, if any
    /// (the events before it stay applied).
    mutating func applyInOrder(_ events: [Record]) -> UInt64? {
        events.withUnsafeBufferPointer { events in
            for index in events.indices where Self.sequence(of: events[index]) > version {
                guard Self.sequence(of: events[index]) == version + 1 else { return Self.sequence(of: events[index]) }
                apply(events[index])
            }
            return nil
        }
    }
}

extension OrgState: ReplayedState {
    fileprivate static func sequence(of record: OrgEventRecord) -> UInt64 { record.sequence }
}

extension DirectoryState: ReplayedState {
    fileprivate static func sequence(of record: DirectoryEventRecord) -> UInt64 { record.sequence }
}
