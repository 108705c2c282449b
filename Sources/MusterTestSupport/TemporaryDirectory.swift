#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under the system's temporary folder, removed when the test is done with it.
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Makes the directory (`mkdtemp`).
    public init() {
        var template = Array("/tmp/muster-test-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed")
        path = String(cString: template.map { UInt8(bitPattern: $0) }.dropLast() + [0])
    }

    deinit {
        _ = system("rm -rf '\(path)'")
    }

    /// Copies the whole directory to a new temporary one.
    public func copy() -> TemporaryDirectory {
        let target = TemporaryDirectory()
        _ = system("cp -a '\(path)/.' '\(target.path)/'")
        return target
    }
}
