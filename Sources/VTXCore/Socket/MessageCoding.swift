#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns values into message payloads for ``Socket/send(encoding:encoder:)-96r51``.
///
/// Foundation's `JSONEncoder` conforms (the default); conform another coder (a property-list encoder, a
/// MessagePack or CBOR library) with an extension whose `encode(_:)` returns the bytes.
public protocol MessageEncoder {
    /// The payload for `value`.
    ///
    /// - Throws: whatever the coder throws when it cannot encode the value.
    func encode<Value: Encodable>(_ value: Value) throws -> Data
}

/// Turns message payloads back into values for ``Socket/receive(_:decoder:)-4k8dt``.
///
/// Foundation's `JSONDecoder` conforms (the default); conform another coder with an extension.
public protocol MessageDecoder {
    /// The value of type `type` in `data`.
    ///
    /// - Throws: whatever the coder throws when `data` is not a valid encoding of a `Value`.
    func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value
}

extension JSONEncoder: MessageEncoder {}

extension JSONDecoder: MessageDecoder {}
