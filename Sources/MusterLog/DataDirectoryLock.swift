import MusterDomain
import MusterStorage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a data folder (`LOCK`, with `flock`), so that two processes never
/// append to one log. The kernel drops it when the process dies, even by SIGKILL.
///
/// Taking it waits up to `patience` for a holder to let go: a process that is exiting, or a
/// fork that briefly shares the descriptor before it execs, holds the lock a little longer
/// than its owner.
final class DataDirectoryLock: Sendable {
    private let descriptor: Mutex<Int32>

    init(_ dataDirectory: String, patience: Span = .seconds(2)) throws(LogError) {
        do {
            try PosixFileSystem().createDirectory(dataDirectory)
            // Not `mail/`: it holds an email file per message sent, and a start must not take
            // longer as it grows.
            try PosixFileSystem().restrictToOwner(dataDirectory, unwalked: ["mail"])
        } catch { throw .failed("cannot prepare \(dataDirectory): \(error)") }
        let path = dataDirectory + "/LOCK"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .failed("cannot open \(path): errno \(errno)") }
        let deadline = WriteAheadLog.monotonicMilliseconds() + patience.milliseconds
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, WriteAheadLog.monotonicMilliseconds() < deadline else {
                close(descriptor)
                throw .failed("\(dataDirectory) is in use by another Muster process")
            }
            usleep(10_000)
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
