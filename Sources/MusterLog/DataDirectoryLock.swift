import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a data folder (`LOCK`, with `flock`), so that two processes never
/// append to one log. The kernel drops it when the process dies, even by SIGKILL.
final class DataDirectoryLock: Sendable {
    private let descriptor: Mutex<Int32>

    init(_ dataDirectory: String) throws(LogError) {
        do { try PosixFileSystem().createDirectory(dataDirectory) } catch { throw .failed("cannot create \(dataDirectory): \(error)") }
        let path = dataDirectory + "/LOCK"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .failed("cannot open \(path): errno \(errno)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw .failed("\(dataDirectory) is in use by another Muster process")
        }
        self.descriptor = Mutex(descriptor)
    }

    func release() {
        descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}
