import NIOCore
import Testing
import VTXCore
import ZMTP

@Suite("Subscriptions", .timeLimit(.minutes(1)))
struct SubscriptionTests {
    static let peer31 = Greeting(mechanism: .null)
    static let peer30 = Greeting(mechanism: .null, minorVersion: 0)

    @Test func internalFormToCommandAndBack() throws {
        let subscribe = try #require(Subscription(message: Message(Frame([0x01] + ascii("topic")))))
        #expect(subscribe.isSubscribe)
        #expect(subscribe.topic == "topic")
        #expect(subscribe.command == .subscribe(topic: "topic"))
        let cancel = try #require(Subscription(message: Message(Frame([0x00] + ascii("topic")))))
        #expect(cancel.command == .cancel(topic: "topic"))
        #expect(SubscriptionEncoding.message(for: .subscribe(topic: "topic")) == Message(Frame([0x01] + ascii("topic"))))
        #expect(SubscriptionEncoding.message(for: .cancel(topic: "topic")) == Message(Frame([0x00] + ascii("topic"))))
        #expect(SubscriptionEncoding.message(for: .pong(context: Frame())) == nil)
    }

    /// The empty topic is the one-byte message `01` (reference/zmtp-security.md §2; netmq #910).
    @Test func emptyTopic() {
        #expect(Subscription(isSubscribe: true, topic: Frame()).message == Message(Frame([0x01])))
        #expect(Subscription(message: Message(Frame([0x01])))?.topic == Frame())
        #expect(SubscriptionEncoding.message(for: .subscribe(topic: Frame())) == Message(Frame([0x01])))
    }

    @Test func notSubscriptions() {
        #expect(Subscription(message: Message(Frame([0x02] + ascii("x")))) == nil)
        #expect(Subscription(message: Message(Frame())) == nil)
        #expect(Subscription(message: [Frame([0x01]), "more"]) == nil)
    }

    /// To a 3.1 peer libzmq SUB sends `04 0b 09 'SUBSCRIBE' 'A'`; to a 3.0 peer `00 02 01 41` (zmtp-probe P3).
    @Test func subWritesTheFormThePeerExpects() {
        let message = Message(Frame([0x01] + ascii("A")))
        let to31 = SubscriptionEncoding(localType: .sub, peerGreeting: Self.peer31)
        let to30 = SubscriptionEncoding(localType: .sub, peerGreeting: Self.peer30)
        var out31 = ByteBuffer()
        to31.encode(message, into: &out31)
        #expect(bytes(of: out31) == hex("04 0b 09 53 55 42 53 43 52 49 42 45 41"))
        var out30 = ByteBuffer()
        to30.encode(message, into: &out30)
        #expect(bytes(of: out30) == hex("00 02 01 41"))
        var cancel = ByteBuffer()
        to31.encode(Message(Frame([0x00] + ascii("A"))), into: &cancel)
        #expect(bytes(of: cancel) == hex("04 08 06 43 41 4e 43 45 4c 41"))
        #expect(to31.translate(message) == .command(.subscribe(topic: "A")))
        #expect(to30.translate(message) == .message(message))
    }

    /// The direct encoding and the command encoding agree, including long topics.
    @Test(arguments: [0, 1, 245, 246, 300])
    func directEncodingMatchesCommand(size: Int) {
        let topic = patternFrame(size)
        let subscription = Subscription(isSubscribe: true, topic: topic)
        var direct = ByteBuffer()
        SubscriptionEncoding(usesCommands: true).encode(subscription.message, into: &direct)
        #expect(bytes(of: direct) == encoded(subscription.command))
    }

    @Test func onlySubAndXsubTranslate() {
        for type in SocketType.allCases {
            let encoding = SubscriptionEncoding(localType: type, peerGreeting: Self.peer31)
            #expect(encoding.usesCommands == (type == .sub || type == .xsub), "\(type)")
        }
        var out = ByteBuffer()
        SubscriptionEncoding(localType: .dealer, peerGreeting: Self.peer31).encode(Message(Frame([0x01])), into: &out)
        #expect(bytes(of: out) == hex("00 01 01"))
    }

    @Test func multipartMessagesAreNeverTranslated() {
        let message: Message = [Frame([0x01] + ascii("A")), "body"]
        var out = ByteBuffer()
        SubscriptionEncoding(usesCommands: true).encode(message, into: &out)
        #expect(bytes(of: out) == encoded(message))
    }
}
