import NIOCore
import VTXCore

/// Builders and parsers of the CurveZMQ handshake commands (RFC 26 with libzmq 4.3.4's exact layouts): HELLO
/// (200 bytes), WELCOME (168), INITIATE (257 + metadata), READY (30 + metadata). Sizes count the whole command body,
/// name included; parsers take the bytes after the name.
///
/// Pure functions: every random value and key comes in as an argument, so a test reproduces a transcript byte for
/// byte. Parsers make every check libzmq makes and throw a ``ZMTPError`` saying which one failed.
package enum CurveHandshake {
    /// HELLO's body size.
    package static let helloSize = 200
    /// WELCOME's body size.
    package static let welcomeSize = 168
    /// INITIATE's smallest body size (no metadata).
    package static let initiateMinimumSize = 257
    /// READY's smallest body size (no metadata).
    package static let readyMinimumSize = 30
    /// The size of a cookie: 16 random bytes and a 80-byte secretbox of C' and s'.
    package static let cookieSize = 96

    /// What a server learns from HELLO.
    package struct Hello: Sendable {
        /// The client's transient public key C'.
        package var clientTransient: [UInt8]
        /// HELLO's short nonce.
        package var nonce: UInt64
    }

    /// What a client learns from WELCOME.
    package struct Welcome: Sendable {
        /// The server's transient public key S'.
        package var serverTransient: [UInt8]
        /// The cookie to echo in INITIATE.
        package var cookie: [UInt8]
    }

    /// What a server learns from INITIATE.
    package struct Initiate: Sendable {
        /// The client's long-term public key C, vouched for.
        package var clientKey: [UInt8]
        /// The client's metadata.
        package var metadata: Metadata
        /// INITIATE's short nonce.
        package var nonce: UInt64
        /// The precomputed key between C' and s' for READY and MESSAGE.
        package var sessionKey: SecretBytes
    }

    // MARK: HELLO

    /// HELLO from a client with transient keys C'/c' to a server with public key S, with short nonce `nonce`.
    ///
    /// - Throws: ``ZMTPError/Category/cryptographic`` when the box cannot be made (a low-order server key).
    package static func hello(
        clientTransient: [UInt8], clientTransientSecret: SecretBytes, serverKey: [UInt8], nonce: UInt64
    ) throws(ZMTPError) -> Command {
        let signature = clientTransientSecret.withUnsafeBytes { secret in
            Sodium.box(
                [UInt8](repeating: 0, count: 64), nonce: CurveNonce.short(CurveNonce.hello, nonce),
                publicKey: serverKey, secretKey: secret
            )
        }
        guard let signature else {
            throw ZMTPError(.cryptographic, "cannot make the HELLO signature box: the server's public key is unusable")
        }
        var data: [UInt8] = [1, 0]
        data += [UInt8](repeating: 0, count: 72)
        data += clientTransient
        data += CurveNonce.bigEndian(nonce)
        data += signature
        return .other(name: "HELLO", data: Frame(data))
    }

    /// Reads HELLO's `data` (after the name) at a server with secret key s.
    ///
    /// - Throws: ``ZMTPError/Category/malformedCommand`` (HELLO) for a body other than 200 bytes or a version other
    ///   than 1.0; ``ZMTPError/Category/cryptographic`` when the signature box does not open (the client does not
    ///   know this server's public key).
    package static func parseHello(_ data: [UInt8], serverSecret: [UInt8]) throws(ZMTPError) -> Hello {
        guard data.count + 6 == helloSize else {
            throw ZMTPError.malformed("HELLO", "a CURVE HELLO has \(helloSize) bytes, this one \(data.count + 6)")
        }
        guard data[0] == 1, data[1] == 0 else {
            throw ZMTPError.malformed("HELLO", "the client speaks CurveZMQ \(data[0]).\(data[1]), not 1.0")
        }
        let clientTransient = Array(data[74..<106])
        let nonce = CurveNonce.readBigEndian(data, at: 106)
        let opened = serverSecret.withUnsafeBytes { secret in
            Sodium.open(
                data[114...], nonce: CurveNonce.short(CurveNonce.hello, nonce), publicKey: clientTransient,
                secretKey: secret
            )
        }
        guard let opened, opened.count == 64 else {
            throw ZMTPError(.cryptographic, "the HELLO signature box does not open: the client does not use this "
                + "server's public key, or the box was damaged")
        }
        return Hello(clientTransient: clientTransient, nonce: nonce)
    }

    // MARK: WELCOME

    /// WELCOME from a server with secret key s to the client with transient key C': S' and the cookie (C' and s'
    /// sealed with `cookieKey` under `cookieNonce`), boxed under `welcomeNonce`. Returns the command and the
    /// cookie (public: the client sees it), which INITIATE must echo.
    ///
    /// - Throws: ``ZMTPError/Category/cryptographic`` when a box cannot be made (a low-order client key).
    package static func welcome(
        clientTransient: [UInt8], serverSecret: [UInt8], serverTransient: [UInt8], serverTransientSecret: SecretBytes,
        cookieKey: SecretBytes, welcomeNonce: [UInt8], cookieNonce: [UInt8]
    ) throws(ZMTPError) -> (command: Command, cookie: [UInt8]) {
        guard let cookieContent = SecretBytes(count: 64, initializingWith: { content in
            guard clientTransient.count == 32, serverTransientSecret.count == 32 else { return false }
            content.copyBytes(from: clientTransient)
            serverTransientSecret.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: content[32...]).copyMemory(from: $0)
            }
            return true
        }) else {
            throw ZMTPError(.keyExchange, "the transient keys for the cookie have the wrong size")
        }
        let sealed = cookieContent.withUnsafeBytes { content in
            cookieKey.withUnsafeBytes { key in
                Sodium.secretBox(content, nonce: CurveNonce.long(CurveNonce.cookie, cookieNonce), key: key)
            }
        }
        guard let sealed, cookieNonce.count == 16, welcomeNonce.count == 16 else {
            throw ZMTPError(.cryptographic, "cannot seal the WELCOME cookie")
        }
        let box = serverSecret.withUnsafeBytes { secret in
            Sodium.box(
                serverTransient + cookieNonce + sealed, nonce: CurveNonce.long(CurveNonce.welcome, welcomeNonce),
                publicKey: clientTransient, secretKey: secret
            )
        }
        guard let box else {
            throw ZMTPError(.cryptographic, "cannot make the WELCOME box: the client's transient key is unusable")
        }
        return (.other(name: "WELCOME", data: Frame(welcomeNonce + box)), cookieNonce + sealed)
    }

    /// Reads WELCOME's `data` at a client that knows the server's public key S and its own transient secret c'.
    ///
    /// - Throws: ``ZMTPError/Category/malformedCommand`` (WELCOME) for a body other than 168 bytes;
    ///   ``ZMTPError/Category/cryptographic`` when the box does not open (the server does not hold the secret key
    ///   of the public key we were given).
    package static func parseWelcome(
        _ data: [UInt8], serverKey: [UInt8], clientTransientSecret: SecretBytes
    ) throws(ZMTPError) -> Welcome {
        guard data.count + 8 == welcomeSize else {
            throw ZMTPError.malformed("WELCOME", "a CURVE WELCOME has \(welcomeSize) bytes, this one \(data.count + 8)")
        }
        let opened = clientTransientSecret.withUnsafeBytes { secret in
            Sodium.open(
                data[16...], nonce: CurveNonce.long(CurveNonce.welcome, data[0..<16]), publicKey: serverKey,
                secretKey: secret
            )
        }
        guard let opened, opened.count == 128 else {
            throw ZMTPError(.cryptographic, "the WELCOME box does not open: the server is not the one whose public "
                + "key we were given, or the box was damaged")
        }
        return opened.withUnsafeBytes { plaintext in
            Welcome(serverTransient: Array(plaintext[0..<32]), cookie: Array(plaintext[32..<128]))
        }
    }

    // MARK: INITIATE

    /// INITIATE from a client with long-term keys C/c and transient keys C'/c' to a server with keys S and S':
    /// the cookie, then a box holding C, the vouch nonce, the vouch (C' and S boxed from c to S') and `metadata`.
    ///
    /// - Throws: ``ZMTPError/Category/cryptographic`` when a box cannot be made.
    package static func initiate(
        cookie: [UInt8], clientKey: [UInt8], clientSecret: [UInt8], clientTransient: [UInt8],
        clientTransientSecret: SecretBytes, serverKey: [UInt8], serverTransient: [UInt8], vouchNonce: [UInt8],
        nonce: UInt64, metadata: Metadata
    ) throws(ZMTPError) -> Command {
        let vouch = clientSecret.withUnsafeBytes { secret in
            Sodium.box(
                clientTransient + serverKey, nonce: CurveNonce.long(CurveNonce.vouch, vouchNonce),
                publicKey: serverTransient, secretKey: secret
            )
        }
        guard let vouch, vouchNonce.count == 16 else {
            throw ZMTPError(.cryptographic, "cannot make the INITIATE vouch")
        }
        var content = ByteBuffer()
        content.writeBytes(clientKey)
        content.writeBytes(vouchNonce)
        content.writeBytes(vouch)
        metadata.write(to: &content)
        let box = clientTransientSecret.withUnsafeBytes { secret in
            Sodium.box(
                content.readableBytesView, nonce: CurveNonce.short(CurveNonce.initiate, nonce),
                publicKey: serverTransient, secretKey: secret
            )
        }
        guard let box else {
            throw ZMTPError(.cryptographic, "cannot make the INITIATE box: the server's transient key is unusable")
        }
        return .other(name: "INITIATE", data: Frame(cookie + CurveNonce.bigEndian(nonce) + box))
    }

    /// Reads INITIATE's `data` at a server: opens the cookie with one of `cookieKeys`, checks it holds the C'
    /// HELLO announced, opens the box with s' from the cookie, opens the vouch with C, checks it vouches for C', and
    /// precomputes the session key. s' is wiped before this returns.
    ///
    /// - Throws: ``ZMTPError/Category/malformedCommand`` (INITIATE) for a body under 257 bytes or metadata that
    ///   breaks its grammar; ``ZMTPError/Category/cryptographic`` when the cookie, the box or the vouch does not
    ///   open, or the cookie belongs to another connection; ``ZMTPError/Category/keyExchange`` when the vouch is
    ///   for another transient key.
    package static func parseInitiate(
        _ data: [UInt8], clientTransient: [UInt8], cookieKeys: [SecretBytes]
    ) throws(ZMTPError) -> Initiate {
        guard data.count + 9 >= initiateMinimumSize else {
            throw ZMTPError.malformed("INITIATE", "a CURVE INITIATE has at least \(initiateMinimumSize) bytes, this "
                + "one \(data.count + 9)")
        }
        let cookieNonce = CurveNonce.long(CurveNonce.cookie, data[0..<16])
        let sealedCookie = data[16..<96]
        var cookie: SecretBytes?
        for key in cookieKeys where cookie == nil {
            cookie = key.withUnsafeBytes { Sodium.secretOpen(sealedCookie, nonce: cookieNonce, key: $0) }
        }
        guard let cookie, cookie.count == 64 else {
            throw ZMTPError(.cryptographic, "the INITIATE cookie does not open: it is forged, damaged or older than "
                + "the cookie keys")
        }
        guard cookie.matches(clientTransient, at: 0..<32), let serverTransientSecret = cookie.slice(32..<64) else {
            throw ZMTPError(.cryptographic, "the INITIATE cookie belongs to another connection (its transient key "
                + "is not the one HELLO announced)")
        }
        let nonce = CurveNonce.readBigEndian(data, at: 96)
        let opened = serverTransientSecret.withUnsafeBytes { secret in
            Sodium.open(
                data[104...], nonce: CurveNonce.short(CurveNonce.initiate, nonce), publicKey: clientTransient,
                secretKey: secret
            )
        }
        guard let opened, opened.count >= 128 else {
            throw ZMTPError(.cryptographic, "the INITIATE box does not open")
        }
        let (clientKey, vouchNonce, vouchBox, metadataBytes) = opened.withUnsafeBytes { plaintext in
            (Array(plaintext[0..<32]), Array(plaintext[32..<48]), Array(plaintext[48..<128]),
             Array(plaintext[128...]))
        }
        let vouch = serverTransientSecret.withUnsafeBytes { secret in
            Sodium.open(
                vouchBox, nonce: CurveNonce.long(CurveNonce.vouch, vouchNonce), publicKey: clientKey,
                secretKey: secret
            )
        }
        guard let vouch, vouch.count == 64 else {
            throw ZMTPError(.cryptographic, "the INITIATE vouch does not open: the client does not hold the secret "
                + "key of the public key it presents")
        }
        guard vouch.matches(clientTransient, at: 0..<32) else {
            throw ZMTPError(.keyExchange, "the INITIATE vouch is for another transient key than the one HELLO "
                + "announced")
        }
        let sessionKey = serverTransientSecret.withUnsafeBytes { Sodium.precompute(publicKey: clientTransient, secretKey: $0) }
        guard let sessionKey else {
            throw ZMTPError(.cryptographic, "cannot precompute the session key: the client's transient key is unusable")
        }
        var buffer = ByteBuffer()
        buffer.writeBytes(metadataBytes)
        let metadata = try Metadata(parsing: buffer, command: "INITIATE")
        return Initiate(clientKey: clientKey, metadata: metadata, nonce: nonce, sessionKey: sessionKey)
    }

    // MARK: READY

    /// READY from the server: `metadata` boxed with the session key under short nonce `nonce`.
    ///
    /// - Throws: ``ZMTPError/Category/cryptographic`` when the box cannot be made.
    package static func ready(metadata: Metadata, nonce: UInt64, sessionKey: SecretBytes) throws(ZMTPError) -> Command {
        var content = ByteBuffer()
        metadata.write(to: &content)
        let box = sessionKey.withUnsafeBytes { key in
            Sodium.box(Array(content.readableBytesView), nonce: CurveNonce.short(CurveNonce.ready, nonce), key: key)
        }
        guard let box else { throw ZMTPError(.cryptographic, "cannot make the READY box") }
        return .other(name: "READY", data: Frame(CurveNonce.bigEndian(nonce) + box))
    }

    /// Reads READY's `data` at a client: its nonce and the server's metadata.
    ///
    /// - Throws: ``ZMTPError/Category/malformedCommand`` (READY) for a body under 30 bytes or metadata that breaks
    ///   its grammar; ``ZMTPError/Category/cryptographic`` when the box does not open.
    package static func parseReady(_ data: [UInt8], sessionKey: SecretBytes) throws(ZMTPError) -> (nonce: UInt64, metadata: Metadata) {
        guard data.count + 6 >= readyMinimumSize else {
            throw ZMTPError.malformed("READY", "a CURVE READY has at least \(readyMinimumSize) bytes, this one "
                + "\(data.count + 6)")
        }
        let nonce = CurveNonce.readBigEndian(data, at: 0)
        let opened = sessionKey.withUnsafeBytes { key in
            Sodium.open(data[8...], nonce: CurveNonce.short(CurveNonce.ready, nonce), key: key)
        }
        guard let opened else { throw ZMTPError(.cryptographic, "the READY box does not open") }
        var buffer = ByteBuffer()
        buffer.writeBytes(opened)
        return (nonce, try Metadata(parsing: buffer, command: "READY"))
    }
}
