import ArgumentParser
import MusterServer

#if canImport(Glibc)
import Glibc
#endif

/// `muster openapi`: prints the OpenAPI document the server serves, for generating clients
/// without starting a server.
struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the API's OpenAPI document (what /openapi.json serves)."
    )

    func run() throws {
        var bytes = MusterServer.openAPIDocument[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            guard written > 0 else { throw ValidationError("could not write the document to standard output") }
            bytes = bytes.dropFirst(written)
        }
    }
}
