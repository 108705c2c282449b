// The HTTP load generator. Against a running `muster serve` (or HelloServer for `hello`):
//
//   MusterLoad <scenario> [--url http://127.0.0.1:8080] [--data data] [--connections 64]
//              [--duration 10] [--warmup 2] [--rate N] [--count N] [--threads 1]
//
// Scenarios: hello (GET /hello on HelloServer), healthz, invite, accept, collaborator, end,
// bulk, caseload, workspace, mix, check, check-batch (access checks, one or 1,000 a request), and drain (the outbox writing a backlog of --count emails). Each sets up what it needs through the API first (orgs,
// tenants, people signed in through their emailed links), then measures; every answer is
// checked, and wrong answers are counted and shown, never timed.
import Foundation
import NIOPosix

var options = [String: String]()
var arguments = CommandLine.arguments.dropFirst()
guard let scenario = arguments.popFirst() else {
    print(
        "usage: MusterLoad hello|healthz|invite|accept|collaborator|end|bulk|caseload|workspace|mix|check|check-batch|drain [--url U] [--data D] [--connections C] [--duration S] [--warmup S] [--rate R] [--count N] [--threads T]"
    )
    exit(64)
}
while let key = arguments.popFirst(), key.hasPrefix("--"), let value = arguments.popFirst() {
    options[String(key.dropFirst(2))] = value
}

let url = URL(string: options["url"] ?? (scenario == "hello" ? "http://127.0.0.1:8090" : "http://127.0.0.1:8080"))!
let dataFolder = options["data"] ?? "data"
let connections = Int(options["connections"] ?? "") ?? 64
var plan = RunPlan(connections: connections, duration: Double(options["duration"] ?? "") ?? 10, warmup: Double(options["warmup"] ?? "") ?? 2)
plan.rate = options["rate"].flatMap(Double.init)
let count = Int(options["count"] ?? "") ?? 20_000
let group = MultiThreadedEventLoopGroup(numberOfThreads: Int(options["threads"] ?? "") ?? 1)
let client = LoadClient(host: url.host ?? "127.0.0.1", port: url.port ?? 8080, group: group)

let scenarios = Scenarios(client: client, options: options, dataFolder: dataFolder, count: count, plan: plan)
do {
    try await scenarios.run(scenario)
} catch {
    print("MusterLoad: \(error)")
    exit(1)
}
try await group.shutdownGracefully()
