// The HTTP stack's own ceiling: Hummingbird with one route that answers a fixed JSON body,
// configured as `muster serve` configures it. The load generator's `hello` scenario against
// this server is the baseline that Muster's figures are divided by.
//
//   HelloServer [port]     (default 8090)
import Hummingbird

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8090
let router = Router()
router.get("/hello") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
}
let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "Hello"))
try await application.runService()
