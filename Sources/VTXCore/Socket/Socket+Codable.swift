#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Socket {
    /// Sends a value as a one-frame message holding its encoding: JSON by default, or any ``MessageEncoder``
    /// (pyzmq's `send_json`, with a coder of your choice). Waits as ``send(_:)-5eylc``.
    ///
    /// ```swift
    /// try socket.send(encoding: Order(id: 7, item: "tea"))
    /// let order = try peer.receive(Order.self)
    /// ```
    ///
    /// - Parameters:
    ///   - value: the value to send.
    ///   - encoder: the coder; a new `JSONEncoder` by default.
    /// - Throws: ``VTXError/Code/invalidArgument`` when the encoder fails (nothing is sent), and the errors of
    ///   ``send(_:)-5eylc``.
    public func send(encoding value: some Encodable, encoder: some MessageEncoder = JSONEncoder()) throws(VTXError) {
        try send(Self.message(encoding: value, with: encoder))
    }

    /// Sends a value's encoding as a one-frame message, suspending as ``send(_:)-2r22t`` does.
    ///
    /// - Throws: as ``send(encoding:encoder:)-96r51``, and ``VTXError/Code/cancelled`` when the task is cancelled.
    public func send(
        encoding value: some Encodable,
        encoder: some MessageEncoder = JSONEncoder()
    ) async throws(VTXError) {
        let message = try Self.message(encoding: value, with: encoder)
        try await send(message)
    }

    /// Receives a one-frame message and decodes its payload as a `Value` (pyzmq's `recv_json`): JSON by default,
    /// or any ``MessageDecoder``. Waits as ``receive()-xg6l``.
    ///
    /// - Parameters:
    ///   - type: the type to decode.
    ///   - decoder: the coder; a new `JSONDecoder` by default.
    /// - Throws: ``VTXError/Code/invalidMessage`` when the message has several frames or the decoder refuses its
    ///   payload (the message has been taken), and the errors of ``receive()-xg6l``.
    public func receive<Value: Decodable>(
        _ type: Value.Type,
        decoder: some MessageDecoder = JSONDecoder()
    ) throws(VTXError) -> Value {
        try Self.decode(type, from: receive(), with: decoder)
    }

    /// Receives a one-frame message and decodes its payload, suspending as ``receive()-1z28k`` does.
    ///
    /// - Throws: as ``receive(_:decoder:)-4k8dt``, and ``VTXError/Code/cancelled`` when the task is cancelled.
    public func receive<Value: Decodable>(
        _ type: Value.Type,
        decoder: some MessageDecoder = JSONDecoder()
    ) async throws(VTXError) -> Value {
        let message = try await receive()
        return try Self.decode(type, from: message, with: decoder)
    }

    // MARK: Conversions

    static func message(encoding value: some Encodable, with encoder: some MessageEncoder) throws(VTXError) -> Message {
        do {
            return Message(try encoder.encode(value))
        } catch {
            throw VTXError(.invalidArgument, "could not encode a \(Swift.type(of: value)): \(error)")
        }
    }

    static func decode<Value: Decodable>(
        _ type: Value.Type,
        from message: Message,
        with decoder: some MessageDecoder
    ) throws(VTXError) -> Value {
        guard message.count == 1 else {
            throw VTXError(
                .invalidMessage,
                "expected a one-frame \(Value.self) message, received \(message.count) frames"
            )
        }
        do {
            return try decoder.decode(type, from: message[0].data)
        } catch {
            throw VTXError(.invalidMessage, "could not decode a \(Value.self) from \(message[0].count) bytes: \(error)")
        }
    }
}
