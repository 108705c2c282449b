import CHeapCount
import MusterDomain
import MusterLog

/// Where the bytes of a loaded snapshot go: the heap it takes (glibc's own count), the
/// directory's part of it, and the rows' inline sizes, each per collaborator-or-invitation.
///
/// The rest of the heap — after the inline rows — is what the rows point to (strings, arrays
/// of ids, workspaces) and the hash tables of the indexes.
struct MemoryCensus {
    let folder: String

    func run() throws {
        let store = SnapshotStore(directory: folder + "/snapshots")
        let before = heapBytes()
        var loaded = store.loadNewest()
        guard var snapshot = loaded.snapshot else { throw MeasureError("no snapshot in \(folder)/snapshots") }
        loaded.snapshot = nil
        let whole = heapBytes() - before
        let users = snapshot.directory.users.count
        var records = 0
        var invitations = 0
        var collaborators = 0
        var tenants = 0
        var auditLines = 0
        for org in snapshot.orgs {
            invitations += org.invitations.count
            collaborators += org.collaborators.count
            tenants += org.tenants.count
            auditLines += org.audit.count
        }
        records = invitations + collaborators
        snapshot.orgs = []
        let withoutOrgs = heapBytes() - before
        snapshot.directory = DirectoryState()
        let rest = heapBytes() - before
        func line(_ name: String, _ bytes: Int) {
            print(
                name.padding(toLength: 48, withPad: " ", startingAt: 0),
                String(bytes / 1_048_576).leftPadded(7),
                "MB",
                String(bytes / max(records, 1)).leftPadded(6),
                "B/record"
            )
        }
        print("census: \(records) collaborators and invitations, \(tenants) tenants, \(users) users, \(auditLines) audit lines")
        line("heap after the load", whole)
        line("  the directory (\(MemoryLayout<User>.stride) B a user inline)", withoutOrgs - rest)
        line("  the orgs", whole - withoutOrgs)
        line("    invitation rows inline (\(MemoryLayout<Invitation>.stride) B)", invitations * MemoryLayout<Invitation>.stride)
        line("    collaborator rows inline (\(MemoryLayout<Collaborator>.stride) B)", collaborators * MemoryLayout<Collaborator>.stride)
        line("    tenant rows inline (\(MemoryLayout<Tenant>.stride) B)", tenants * MemoryLayout<Tenant>.stride)
        line("    audit lines (32 B)", auditLines * 32)
        let sizes: [(String, Int)] = [
            ("Principal", MemoryLayout<Principal>.stride), ("Timestamp?", MemoryLayout<Timestamp?>.stride),
            ("EmailAddress", MemoryLayout<EmailAddress>.stride), ("LinkCheck?", MemoryLayout<LinkCheck?>.stride),
            ("RedirectURL?", MemoryLayout<RedirectURL?>.stride), ("LocaleTag?", MemoryLayout<LocaleTag?>.stride),
            ("Role", MemoryLayout<Role>.stride), ("ContactCard?", MemoryLayout<ContactCard?>.stride),
            ("Workspace", MemoryLayout<Workspace>.stride), ("UserID?", MemoryLayout<UserID?>.stride),
        ]
        print("strides:", sizes.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
    }

    private func heapBytes() -> Int {
        Int(heap_count_allocated())
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}
