// Publish-subscribe over inproc: a PUB sends weather updates; two SUBs each keep only their city.
//
// Run with `swift run publish-subscribe`.
import VTX

let vtx = VTX()
let publisher = try vtx.socket(.pub)
try publisher.bind("inproc://weather")

var subscribers: [(city: String, socket: Socket)] = []
for city in ["paris", "tokyo"] {
    let subscriber = try vtx.socket(.sub)
    subscriber.receiveTimeout = .seconds(5)
    try subscriber.connect("inproc://weather")
    try subscriber.subscribe(city)
    subscribers.append((city, subscriber))
}

// Subscriptions travel to the publisher asynchronously; publish until both have been heard (like a
// late-joiner would, ZeroMQ's "slow joiner" rule).
let updates = ["paris 18C", "tokyo 22C", "lima 15C", "paris 19C", "tokyo 21C"]
var round = 0
var received: [String: [String]] = [:]
while received.values.reduce(0, { $0 + $1.count }) < 4 && round < 100 {
    round += 1
    for update in updates { try publisher.send(Message(update)) }
    for (city, subscriber) in subscribers {
        while let message = try subscriber.tryReceive(), received[city, default: []].count < 2 {
            received[city, default: []].append(message.first?.string ?? "")
        }
    }
}
for (city, _) in subscribers {
    print("\(city) subscriber got: \(received[city, default: []].joined(separator: ", "))")
}
for (_, subscriber) in subscribers { subscriber.close() }
publisher.close()
vtx.shutdown()
