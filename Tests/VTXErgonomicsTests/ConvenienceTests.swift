import Foundation
import Testing
import VTX

/// A payload for the Codable round trips.
private struct Order: Codable, Equatable {
    var id: Int
    var item: String
    var tags: [String]
}

/// Property lists as a user-chosen coder.
extension PropertyListEncoder: MessageEncoder {}
extension PropertyListDecoder: MessageDecoder {}

@Suite("Strings, multipart and Codable helpers", .timeLimit(.minutes(1)))
struct ConvenienceTests {
    @Test func stringsRoundTrip() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        let name: Substring = "héllo wörld"[...]
        try push.send(name)
        try push.send("")
        #expect(try pull.receiveString() == "héllo wörld")
        #expect(try pull.receiveString() == "")
    }

    @Test func multipartStringsRoundTrip() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        try push.send(strings: ["topic", "", "body"])
        try push.send(strings: ["one"[...]])
        #expect(try pull.receiveStrings() == ["topic", "", "body"])
        #expect(try pull.receiveStrings() == ["one"])
        #expect(throws: VTXError.invalidArgument) { try push.send(strings: [String]()) }
    }

    @Test func asyncTwinsRoundTrip() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        let order = Order(id: 3, item: "soup", tags: ["hot"])
        try await push.send("async ✓"[...])
        try await push.send(strings: ["a", "b"])
        try await push.send(encoding: order)
        try await push.send(Message([0xFF]))
        #expect(try await pull.receiveString() == "async ✓")
        #expect(try await pull.receiveStrings() == ["a", "b"])
        #expect(try await pull.receive(Order.self) == order)
        await #expect(throws: VTXError(.invalidMessage, "")) { try await pull.receiveString() }
    }

    @Test func textErrorsAreInvalidMessage() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        try push.send(strings: ["a", "b"])
        do {
            _ = try pull.receiveString()
            Issue.record("a two-frame message is not one text")
        } catch {
            #expect(error.code == .invalidMessage)
            #expect(error.message.contains("2 frames"))
        }
        try push.send(Message([0xFF, 0xFE]))
        #expect(throws: VTXError(.invalidMessage, "")) { try pull.receiveString() }
        try push.send(Frame("ok"), Frame([0xC3]))
        do {
            _ = try pull.receiveStrings()
            Issue.record("a frame that is not UTF-8 is not text")
        } catch {
            #expect(error.code == .invalidMessage)
            #expect(error.message.contains("frame 1"))
        }
        // The failed conversions took their messages; the socket goes on.
        try push.send("next")
        #expect(try pull.receiveString() == "next")
    }

    @Test func codableRoundTripsWithJSONByDefault() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        let order = Order(id: 7, item: "tea", tags: ["hot", "green"])
        try push.send(encoding: order)
        #expect(try pull.receive(Order.self) == order)
        // The default payload is JSON text.
        try push.send(encoding: ["k": 1])
        #expect(try pull.receiveString() == #"{"k":1}"#)
    }

    @Test func codableUsesTheCoderGiven() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        let order = Order(id: 1, item: "cake", tags: [])
        let encoder = PropertyListEncoder()
        encoder.outputFormat = .binary
        try push.send(encoding: order, encoder: encoder)
        let payload = try pull.receive()
        #expect(payload[0].bytes.starts(with: Array("bplist".utf8)))
        try push.send(payload)
        #expect(try pull.receive(Order.self, decoder: PropertyListDecoder()) == order)
    }

    @Test func codableErrors() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        // JSON cannot encode NaN: nothing is sent.
        #expect(throws: VTXError.invalidArgument) { try push.send(encoding: Double.nan) }
        try push.send("not json")
        do {
            _ = try pull.receive(Order.self)
            Issue.record("text that is not JSON must not decode")
        } catch {
            #expect(error.code == .invalidMessage)
            #expect(error.message.contains("Order"))
        }
        try push.send(strings: ["{}", "{}"])
        #expect(throws: VTXError(.invalidMessage, "")) { try pull.receive(Order.self) }
        try push.send(encoding: Order(id: 2, item: "x", tags: []))
        #expect(try pull.receive(Order.self).id == 2)
    }
}
