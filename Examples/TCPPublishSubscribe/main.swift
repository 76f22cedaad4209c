// Publish-subscribe over TCP, compatible with libzmq peers.
//
//   swift run tcp-publish-subscribe                     # publisher and subscriber in one process (the demo)
//   swift run tcp-publish-subscribe pub [ENDPOINT]      # publish "weather …" and "sports …" forever
//   swift run tcp-publish-subscribe sub [ENDPOINT]      # subscribe to "weather" and print ten updates
//
// Against libzmq (pyzmq):
//   python3 -c "import zmq; s = zmq.Context().socket(zmq.SUB); s.connect('tcp://127.0.0.1:5556'); \
//               s.subscribe(b'weather'); [print(s.recv_multipart()) for _ in range(3)]"
//   python3 -c "import zmq, time; s = zmq.Context().socket(zmq.PUB); s.bind('tcp://127.0.0.1:5556'); \
//               [(s.send_multipart([b'weather', b'%d C' % i]), time.sleep(0.1)) for i in range(100)]"
import Foundation
import VTX

let arguments = CommandLine.arguments.dropFirst()
let role = arguments.first ?? "both"
let endpoint = arguments.dropFirst().first ?? "tcp://127.0.0.1:5556"
let vtx = VTX()

func publish(_ publisher: Socket, rounds: Int?) throws {
    var round = 0
    while rounds.map({ round < $0 }) ?? true {
        try publisher.send(Message(["weather", Frame("\(10 + round % 15) C")]))
        try publisher.send(Message(["sports", Frame("score \(round)")]))
        round += 1
        Thread.sleep(forTimeInterval: 0.01)
    }
}

func listen(_ subscriber: Socket, count: Int) throws {
    for _ in 0..<count {
        let update = try subscriber.receive()
        print("subscriber: \(update.map { $0.string ?? $0.description }.joined(separator: " "))")
    }
}

do {
    switch role {
    case "pub":
        let publisher = try vtx.socket(.pub)
        try publisher.bind(endpoint)
        print("publisher: on \(publisher.lastEndpoint ?? endpoint)")
        try publish(publisher, rounds: nil)
    case "sub":
        let subscriber = try vtx.socket(.sub)
        subscriber.receiveTimeout = .seconds(10)
        try subscriber.connect(endpoint)
        try subscriber.subscribe("weather")
        try listen(subscriber, count: 10)
    default:
        let publisher = try vtx.socket(.pub)
        try publisher.bind("tcp://127.0.0.1:*")
        let bound = publisher.lastEndpoint!
        let subscriber = try vtx.socket(.sub)
        subscriber.receiveTimeout = .seconds(5)
        try subscriber.connect(bound)
        try subscriber.subscribe("weather")
        // The subscription reaches the publisher over TCP a moment after connecting (ZeroMQ's slow joiner):
        // publish in the background while the subscriber listens.
        let thread = Thread { try? publish(publisher, rounds: 200) }
        thread.start()
        try listen(subscriber, count: 5)
        subscriber.close()
    }
} catch {
    print("error: \(error)")
    exit(1)
}
vtx.shutdown()
