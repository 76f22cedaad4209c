import NIOCore
import Testing
import VTXCore
import ZMTP

@Suite("NULL mechanism", .timeLimit(.minutes(1)))
struct NullMechanismTests {
    /// The peer's READY for `type` with an optional identity, as a decoded item.
    static func ready(_ type: String, identity: Frame? = nil, extra: Metadata = []) -> ZMTPItem {
        var metadata: Metadata = [("Socket-Type", Frame(type))]
        if let identity { metadata.append(name: "Identity", value: identity) }
        metadata.properties += extra.properties
        return .command(.ready(metadata))
    }

    /// Two mechanisms talking through real bytes: greeting, READY each way, then data.
    @Test func handshakeBetweenDealerAndRouterOverBytes() throws {
        var dealer = NullMechanism(socketType: .dealer, routingId: "client-1", properties: [("X-Color", "blue")])
        var router = NullMechanism(socketType: .router)

        // Each side sends its greeting and READY at once; the peer reads greeting then frames.
        var toRouter = ByteBuffer()
        dealer.greeting.write(to: &toRouter)
        for command in try dealer.start().commands { command.write(to: &toRouter) }
        var toDealer = ByteBuffer()
        router.greeting.write(to: &toDealer)
        for command in try router.start().commands { command.write(to: &toDealer) }
        #expect(!dealer.isComplete && !router.isComplete)

        var routerGreeting = GreetingDecoder(expecting: router.name)
        let dealerGreeting = try #require(try routerGreeting.decode(&toRouter))
        #expect(dealerGreeting.minorVersion == 1)
        var routerDecoder = FrameDecoder(acceptsDataFrames: false)
        while let item = try routerDecoder.next(&toRouter) {
            #expect(try router.process(item).commands.isEmpty)
        }
        #expect(router.isComplete)
        let client = try #require(router.peer)
        #expect(client.socketType == .dealer)
        #expect(client.routingId == "client-1")
        let info = client.peerInfo(address: "tcp://127.0.0.1:5555")
        #expect(info.socketType == .dealer)
        #expect(info.routingId == "client-1")
        #expect(info.properties.count == 1)
        #expect(info.properties.first?.name == "X-Color" && info.properties.first?.value == "blue")

        var dealerGreetingDecoder = GreetingDecoder(expecting: dealer.name)
        _ = try #require(try dealerGreetingDecoder.decode(&toDealer))
        var dealerDecoder = FrameDecoder(acceptsDataFrames: false)
        while let item = try dealerDecoder.next(&toDealer) {
            #expect(try dealer.process(item).commands.isEmpty)
        }
        #expect(dealer.isComplete)
        // libzmq ROUTER sends an empty Identity: no routing id.
        #expect(dealer.peer?.socketType == .router)
        #expect(dealer.peer?.routingId == nil)
    }

    /// If the peer's READY is processed before `start()`, our READY is the answer, so it is never forgotten.
    @Test func readyBeforeStartAnswersWithOurReady() throws {
        var mechanism = NullMechanism(socketType: .pull)
        let answer = try mechanism.process(Self.ready("PUSH")).commands
        #expect(answer == [.ready([("Socket-Type", "PULL")])])
        #expect(mechanism.isComplete)
        #expect(try mechanism.start().commands.isEmpty)
    }

    @Test func sendsOnlyOneReady() throws {
        var mechanism = NullMechanism(socketType: .req)
        #expect(try mechanism.start().commands.count == 1)
        #expect(try mechanism.start().commands.isEmpty)
        #expect(!mechanism.isComplete)
    }

    @Test func identityOnlyForTypesThatSendRoutingIds() {
        for type in SocketType.allCases {
            let metadata = NullMechanism(socketType: type, routingId: "id").localMetadata
            #expect((metadata["Identity"] != nil) == type.sendsRoutingId, "\(type)")
            #expect(metadata.first?.name == "Socket-Type")
        }
    }

    @Test func incompatibleSocketType() throws {
        var mechanism = NullMechanism(socketType: .dealer)
        _ = try mechanism.start().commands
        let error = expectZMTPError(.incompatibleSocketType) { _ = try mechanism.process(Self.ready("PUB")) }
        #expect(error?.message.contains("DEALER") == true && error?.message.contains("PUB") == true)
        #expect(error?.vtxError.code == .incompatibleSocketType)
    }

    /// libzmq accepts a READY without properties (zmtp-probe P8) but RFC 23 requires Socket-Type and the core needs
    /// the peer's type, so we refuse it.
    @Test func missingSocketType() throws {
        var mechanism = NullMechanism(socketType: .router)
        _ = try mechanism.start().commands
        expectZMTPError(.invalidMetadata) { _ = try mechanism.process(.command(.ready([("Identity", "x")]))) }
    }

    @Test func unknownSocketType() throws {
        var mechanism = NullMechanism(socketType: .router)
        _ = try mechanism.start().commands
        expectZMTPError(.invalidMetadata) { _ = try mechanism.process(Self.ready("STREAM")) }
    }

    /// ERROR as libzmq sends it after ZAP 400 (zmtp-probe P6): a handshake failure with the reason, which libzmq
    /// reports as HANDSHAKE_FAILED_AUTH(400) (zmtp-probe P9).
    @Test func errorFromPeer() throws {
        var mechanism = NullMechanism(socketType: .dealer)
        _ = try mechanism.start().commands
        var decoder = FrameDecoder(acceptsDataFrames: false)
        var input = buffer(hex("04 0a 05") + ascii("ERROR") + hex("03") + ascii("400"))
        let item = try #require(try decoder.next(&input))
        let error = expectZMTPError(.peerError) { _ = try mechanism.process(item) }
        #expect(error?.peerReason == "400")
        #expect(error?.authenticationStatus == 400)
        #expect(error?.vtxError.code == .authenticationFailed)
    }

    /// libzmq treats a data frame before its READY as an unexpected command and closes (must-do §0.4, zmtp-probe P7).
    @Test func dataBeforeReady() throws {
        var mechanism = NullMechanism(socketType: .dealer)
        _ = try mechanism.start().commands
        let error = expectZMTPError(.unexpectedCommand) { _ = try mechanism.process(.message("early")) }
        #expect(error?.libzmqProtocolErrorCode == 0x1000_0001)
    }

    /// During the handshake any command but READY and ERROR is unexpected (libzmq `null_mechanism.cpp`), PING
    /// included (reference/zmtp-security.md §2: "Sending PING before the handshake completes is also fatal").
    @Test(arguments: [Command.ping(ttl: 0, context: Frame()), .subscribe(topic: "a"), .other(name: "FOO", data: Frame())])
    func unexpectedCommandDuringHandshake(command: Command) throws {
        var mechanism = NullMechanism(socketType: .dealer)
        _ = try mechanism.start().commands
        expectZMTPError(.unexpectedCommand) { _ = try mechanism.process(.command(command)) }
    }

    @Test func secondReady() throws {
        var mechanism = NullMechanism(socketType: .pair)
        _ = try mechanism.start().commands
        _ = try mechanism.process(Self.ready("PAIR"))
        expectZMTPError(.unexpectedCommand) { _ = try mechanism.process(Self.ready("PAIR")) }
    }

    /// The mechanism seam: NULL frames messages and commands plainly after the handshake.
    @Test func plainFramingAfterHandshake() throws {
        var mechanism: any Mechanism = NullMechanism(socketType: .push)
        _ = try mechanism.start().commands
        _ = try mechanism.process(Self.ready("PULL"))
        var out = ByteBuffer()
        try mechanism.encode(Message("m"), into: &out)
        try mechanism.encode(Command.pong(context: Frame()), into: &out)
        #expect(bytes(of: out) == hex("00 01 6d 04 05 04") + ascii("PONG"))
        #expect(try mechanism.decode(.message("m")) == .message("m"))
    }
}
