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
        records += batch.count
        var perOrg = [Int: [OrgEventRecord]]()
        for entry in batch {
            if let mark = entry.mark { marks.append((entry.position, mark)) }
            switch entry.record {
            case .directory(let events):
                for event in events where event.sequence > directory.version {
                    guard event.sequence == directory.version + 1 else {
                        throw .corrupt(
                            segment: "",
                            offset: -1,
                            reason: "directory event \(event.sequence) at position \(entry.position) follows \(directory.version)"
                        )
                    }
                    directory.apply(event)
                }
            case .org(let orgID, let events):
                let slot: Int
                if let existing = index[orgID] {
                    slot = existing
                } else {
                    slot = orgs.count
                    index[orgID] = slot
                    orgs.append(OrgState(id: orgID))
                }
                perOrg[slot, default: []].append(contentsOf: events)
            }
        }
        let work = Array(perOrg)
        // Each org's state is moved out, changed and moved back, so no copy is made.
        let states = Mutex(orgs)
        orgs = []
        let failure = Mutex<LogError?>(nil)
        DispatchQueue.concurrentPerform(iterations: work.count) { item in
            let (slot, events) = work[item]
            var state = states.withLock { states in
                defer { states[slot] = OrgState(id: states[slot].id) }
                return states[slot]
            }
            for event in events where event.sequence > state.version {
                guard event.sequence == state.version + 1 else {
                    failure.withLock {
                        $0 = .corrupt(segment: "", offset: -1, reason: "org \(state.id) event \(event.sequence) follows \(state.version)")
                    }
                    break
                }
                state.apply(event)
            }
            let finished = state
            states.withLock { $0[slot] = finished }
        }
        orgs = states.withLock { $0 }
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
