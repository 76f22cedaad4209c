import Foundation
import Testing
import VTXTestSupport

/// `vtx cat` against libzmq (pyzmq) peers: every pattern the issue names, over tcp and ipc, with either side
/// binding. Each test runs the built binary as a subprocess; every wait is bounded.
@Suite(.timeLimit(.minutes(2)), .enabled(if: ZMQPeer.isAvailable, "needs python3 with pyzmq (scripts/bootstrap.sh)"))
struct CatInteropTests {

    @Test("PUSH -> PULL: vtx pushes to libzmq, and pulls from it", arguments: Transport.allCases, Binder.allCases)
    func pushPull(transport: Transport, binder: Binder) throws {
        // vtx PUSH: one message per line; libzmq counts "0", "1", "2" in order.
        let push = try CatPair(transport, binder, tool: ["--type", "PUSH", "--timeout", "10"], peer: ["--type", "PULL", "--count", "3"])
        push.tool.write("0\n1\n2\n")
        push.tool.closeInput()
        #expect(try push.peer.expect("COUNTED") == "3")
        try push.peer.finish()
        try push.expectToolSucceeds()

        // vtx PULL (type in lower case): prints one line per message and stops after --count.
        let pull = try CatPair(transport, binder, tool: ["--type", "pull", "--count", "3", "--timeout", "10"], peer: ["--type", "PUSH", "--send-seq", "3"])
        try pull.expectToolSucceeds()
        #expect(pull.tool.output == ["0", "1", "2"])
        try pull.peer.finish()
    }

    @Test("REQ <-> REP: vtx requests from libzmq, and replies to it", arguments: Transport.allCases, Binder.allCases)
    func requestReply(transport: Transport, binder: Binder) throws {
        // vtx REQ: a line out, its reply printed; ends at end of input.
        let req = try CatPair(transport, binder, tool: ["--type", "REQ", "--timeout", "10"], peer: ["--type", "REP", "--echo", "2"])
        req.tool.write("hello\nworld\n")
        req.tool.closeInput()
        try req.expectToolSucceeds()
        #expect(req.tool.output == ["hello", "world"])
        try req.peer.finish()

        // vtx REP: prints the request, replies with the next input line.
        let rep = try CatPair(
            transport, binder,
            tool: ["--type", "Rep", "--count", "1", "--timeout", "10"],
            peer: ["--type", "REQ", "--send", ZMQPeer.frames("ping"), "--recv", "1"]
        )
        #expect(try rep.tool.nextLine() == "ping")
        rep.tool.write("pong\n")
        #expect(try rep.peer.message() == ["pong"])
        try rep.peer.finish()
        try rep.expectToolSucceeds()
    }

    @Test("PUB -> SUB with a filter: vtx subscribes to libzmq, and publishes to it", arguments: Transport.allCases, Binder.allCases)
    func publishSubscribe(transport: Transport, binder: Binder) throws {
        // vtx SUB --subscribe weather: the libzmq publisher repeats a weather message until vtx has it (the
        // subscription has then arrived), then sends sports (filtered out) and a last weather message.
        let sub = try CatPair(
            transport, binder,
            tool: ["--type", "SUB", "--subscribe", "weather", "--timeout", "10"],
            peer: ["--type", "PUB", "--stdin"]
        )
        sub.peer.run("repeat 20 500 \(ZMQPeer.frames("weather.first"))")
        #expect(try sub.tool.nextLine() == "weather.first")
        sub.peer.run("send \(ZMQPeer.frames("sports.1"))")
        sub.peer.run("send \(ZMQPeer.frames("weather.last"))")
        _ = try sub.tool.line { $0 == "weather.last" }
        #expect(sub.tool.output.allSatisfy { $0.hasPrefix("weather.") }, "\(sub.tool.output)")
        sub.peer.child.closeInput()
        sub.tool.kill()

        // vtx PUB: the test feeds weather lines until the libzmq subscriber has one, then sports and a last one.
        let pub = try CatPair(
            transport, binder,
            tool: ["--type", "PUB", "--timeout", "10"],
            peer: ["--type", "SUB", "--subscribe", "weather", "--recv-until", "weather.last"]
        )
        var joined = false
        for _ in 0..<500 where !joined {
            pub.tool.write("weather.first\n")
            joined = pub.peer.child.hasLine(within: .milliseconds(20))
        }
        #expect(joined, "the libzmq subscriber received nothing")
        pub.tool.write("sports.1\nweather.last\n")
        pub.tool.closeInput()
        try pub.expectToolSucceeds()
        var received: [String] = []
        while received.last != "weather.last" { received += try pub.peer.message() }
        #expect(received.allSatisfy { $0.hasPrefix("weather.") }, "\(received)")
        try pub.peer.finish()
    }

    @Test("DEALER <-> ROUTER with --delimiter: frames split and joined on it", arguments: Transport.allCases, Binder.allCases)
    func dealerRouter(transport: Transport, binder: Binder) throws {
        // vtx DEALER: "a|b|c" goes out as three frames; the libzmq ROUTER echoes them; vtx prints them joined.
        let dealer = try CatPair(
            transport, binder,
            tool: ["--type", "DEALER", "--delimiter", "|", "--count", "1", "--timeout", "10"],
            peer: ["--type", "ROUTER", "--echo", "1"]
        )
        dealer.tool.write("a|b|c\n")
        try dealer.expectToolSucceeds()
        #expect(dealer.tool.output == ["a|b|c"])
        try dealer.peer.finish()

        // vtx ROUTER: prints the routing id and the frames; a line starting with that id goes back to that peer.
        let router = try CatPair(
            transport, binder,
            tool: ["--type", "ROUTER", "--delimiter", "|", "--timeout", "10"],
            peer: ["--type", "DEALER", "--identity", "peer1", "--send", ZMQPeer.frames("hi", "there"), "--recv", "1"]
        )
        #expect(try router.tool.nextLine() == "peer1|hi|there")
        router.tool.write("peer1|re|ply\n")
        #expect(try router.peer.message() == ["re", "ply"])
        try router.peer.finish()
        router.tool.closeInput()
        try router.expectToolSucceeds()
    }

    @Test("--echo: REP and ROUTER send every message back", arguments: Transport.allCases, Binder.allCases)
    func echo(transport: Transport, binder: Binder) throws {
        let rep = try CatPair(
            transport, binder,
            tool: ["--type", "REP", "--echo", "--count", "2", "--timeout", "10"],
            peer: ["--type", "REQ", "--send", ZMQPeer.frames("one"), "--recv", "1", "--send", ZMQPeer.frames("two"), "--recv", "1"]
        )
        #expect(try rep.peer.message() == ["one"])
        #expect(try rep.peer.message() == ["two"])
        try rep.peer.finish()
        try rep.expectToolSucceeds()
        #expect(rep.tool.output == ["one", "two"])

        let router = try CatPair(
            transport, binder,
            tool: ["--type", "ROUTER", "--echo", "--delimiter", "|", "--count", "1", "--timeout", "10"],
            peer: ["--type", "DEALER", "--identity", "peer2", "--send", ZMQPeer.frames("x", "y"), "--recv", "1"]
        )
        #expect(try router.peer.message() == ["x", "y"])
        try router.peer.finish()
        try router.expectToolSucceeds()
        #expect(router.tool.output == ["peer2|x|y"])
    }
}
