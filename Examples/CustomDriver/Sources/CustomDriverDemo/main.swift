import LoopTransport
import VTXCore
import VTXDriverTests

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Registers the `loop` driver on a manager that has no other driver (only `VTXCore` is imported).
func makeManager() throws -> VTX {
    let vtx = VTX(drivers: [:])
    try vtx.register(LoopDriver(), for: "loop")
    return vtx
}

/// A message's frames as text.
func texts(_ message: Message) -> [String] {
    message.map { String(decoding: $0.bytes, as: UTF8.self) }
}

/// Fails the run with a one-line reason.
func check(_ condition: Bool, _ what: String) {
    guard condition else {
        print("FAILED: \(what)")
        exit(1)
    }
}

do {
    let vtx = try makeManager()
    defer { vtx.shutdown() }
    print("registered schemes: \(vtx.schemes.joined(separator: ", "))")

    // REQ/REP over loop://
    let rep = try vtx.socket(.rep)
    let req = try vtx.socket(.req)
    for socket in [rep, req] { socket.receiveTimeout = .seconds(5); socket.sendTimeout = .seconds(5) }
    try rep.bind("loop://greeter")
    try req.connect("loop://greeter")
    for name in ["Ada", "Grace", "Edsger"] {
        try req.send(name)
        let request = try rep.receive()
        try rep.send("Hello, \(texts(request)[0])")
        let reply = texts(try req.receive())
        print("REQ/REP: \(name) -> \(reply[0])")
        check(reply == ["Hello, \(name)"], "REQ/REP reply for \(name)")
    }

    // PUB/SUB with a prefix filter over loop://
    let pub = try vtx.socket(.pub)
    let sub = try vtx.socket(.sub)
    sub.receiveTimeout = .seconds(5)
    try pub.bind("loop://news")
    try sub.connect("loop://news")
    try sub.subscribe("weather")
    // A subscription reaches the publisher asynchronously: publish until the first one arrives (bounded).
    var first: [String] = []
    for attempt in 0..<500 where first.isEmpty {
        try pub.send("sports \(attempt)")
        try pub.send("weather \(attempt)")
        first = (try? sub.receive(timeout: .milliseconds(10))).map(texts) ?? []
    }
    check(first.first?.hasPrefix("weather") == true, "PUB/SUB: first message matches the subscription")
    try pub.send("sports final")
    try pub.send("weather final")
    var last = first
    for _ in 0..<1000 where last != ["weather final"] { last = texts(try sub.receive()) }
    check(last == ["weather final"], "PUB/SUB: the last message arrives")
    print("PUB/SUB: received \(first[0]) ... \(last[0]); sports filtered out")
    for socket in [rep, req, pub, sub] { socket.close() }
} catch {
    print("FAILED: \(error)")
    exit(1)
}

// The conformance suite, from outside the VTX package.
let conformance = DriverConformance(
    scheme: "loop",
    makeManager: { try makeManager() },
    makeBindEndpoint: { name in "loop://\(name)" }
)
var failures = 0
for check in DriverConformance.Check.allCases {
    do {
        try conformance.run(check)
        print("conformance \(check): passed")
    } catch {
        failures += 1
        print("conformance \(check): FAILED: \(error)")
    }
}
print("\(DriverConformance.Check.allCases.count - failures) passed, \(failures) failed")
exit(failures == 0 ? 0 : 1)
