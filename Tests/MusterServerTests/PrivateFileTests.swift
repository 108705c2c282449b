import Foundation
import MusterTestSupport
import Testing

@testable import MusterServer

/// The server's private files (its secrets, the ledger of key uses) are replaced whole or not
/// at all, whenever the power goes.
@Suite struct PrivateFileTests {
    @Test func aPrivateFileCutAtAnyOperationHoldsItsOldContentOrItsNewWhole() throws {
        let old = Array("the old secret".utf8)
        let new = Array("the new secret, a little longer".utf8)
        var point = 0
        while true {
            let root = NSTemporaryDirectory() + "muster-private-\(UUID().uuidString)"
            let fileSystem = PowerCutFileSystem(root: root)
            let path = root + "/server-secret.key"
            try PrivateFile.write(path, old, fileSystem: fileSystem)
            fileSystem.cutAfter(operations: point)
            let replaced = (try? PrivateFile.write(path, new, fileSystem: fileSystem)) != nil
            let finished = fileSystem.cutCount == 0
            fileSystem.cut()
            fileSystem.powerOn()
            let content = try fileSystem.read(path)
            if replaced {
                #expect(content == new, "cut after \(point): the write returned, so the new content must be durable")
            } else {
                #expect(content == old || content == new, "cut after \(point): \(String(decoding: content, as: UTF8.self))")
            }
            if finished { break }
            point += 1
        }
        #expect(point >= 4)
    }
}
