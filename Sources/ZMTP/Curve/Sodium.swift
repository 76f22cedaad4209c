import CSodium

/// The libsodium calls CURVE makes, as libzmq 4.3.4 makes them: `crypto_box` for HELLO, WELCOME, INITIATE and the
/// vouch, `crypto_box_beforenm`/`_afternm` for READY and MESSAGE, `crypto_secretbox` for the cookie,
/// `crypto_scalarmult_base` to derive public keys, `randombytes_buf` for nonces and keys, `sodium_memzero` to wipe.
///
/// Secret keys are passed as raw memory (``SecretBytes`` or a key's bytes), so no unwipeable copy is made. Calls that
/// can fail (a box that does not open, a low-order public key, a wrong size) return `nil` or `false`; none traps on
/// bad input: every size is checked before a pointer is handed to C.
package enum Sodium {
    /// The size of a Curve25519 key, public or secret (`crypto_box_PUBLICKEYBYTES`).
    package static let keySize = 32
    /// The size of a `crypto_box`/`crypto_secretbox` nonce.
    package static let nonceSize = 24
    /// The size of the Poly1305 tag in front of every box (`crypto_box_MACBYTES`).
    package static let macSize = 16

    private static let initialized: Bool = sodium_init() >= 0

    /// Initialises libsodium once (a lazily initialised global, so thread-safe); `false` when it cannot start.
    @discardableResult
    package static func initialize() -> Bool { initialized }

    /// A fresh Curve25519 key pair from libsodium's CSPRNG (`crypto_box_keypair`).
    package static func boxKeyPair() -> (publicKey: [UInt8], secretKey: SecretBytes) {
        initialize()
        var publicKey = [UInt8](repeating: 0, count: keySize)
        // crypto_box_keypair cannot fail with buffers of the right size.
        let secretKey = SecretBytes(count: keySize) { secret in
            crypto_box_keypair(&publicKey, secret.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0
        }!
        return (publicKey, secretKey)
    }

    /// The public key of the 32-byte `secretKey` (`crypto_scalarmult_base`); `nil` on a wrong size.
    package static func publicKey(forSecretKey secretKey: UnsafeRawBufferPointer) -> [UInt8]? {
        guard secretKey.count == keySize, let secret = secretKey.baseAddress else { return nil }
        initialize()
        var publicKey = [UInt8](repeating: 0, count: keySize)
        guard crypto_scalarmult_base(&publicKey, secret.assumingMemoryBound(to: UInt8.self)) == 0 else { return nil }
        return publicKey
    }

    /// `count` random bytes from libsodium's CSPRNG (`randombytes_buf`).
    package static func randomBytes(_ count: Int) -> [UInt8] {
        initialize()
        var bytes = [UInt8](repeating: 0, count: max(count, 0))
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
        return bytes
    }

    /// Overwrites `memory` with zeros in a way the compiler cannot optimise away (`sodium_memzero`).
    package static func wipe(_ memory: UnsafeMutableRawBufferPointer) {
        guard let base = memory.baseAddress, memory.count > 0 else { return }
        sodium_memzero(base, memory.count)
    }

    /// Overwrites `bytes` with zeros in place (`sodium_memzero`).
    package static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { wipe($0) }
    }

    /// Whether `lhs` and `rhs` hold the same bytes, compared in constant time (`sodium_memcmp`).
    package static func constantTimeEqual(_ lhs: UnsafeRawBufferPointer, _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard let left = lhs.baseAddress, lhs.count > 0 else { return true }
        return rhs.withUnsafeBytes { sodium_memcmp(left, $0.baseAddress!, lhs.count) == 0 }
    }

    /// `crypto_box_easy`: the box of `message` (tag then ciphertext, 16 bytes longer) for `publicKey` from
    /// `secretKey`; `nil` when a size is wrong or the public key is of low order.
    package static func box(
        _ message: some Collection<UInt8>, nonce: [UInt8], publicKey: [UInt8], secretKey: UnsafeRawBufferPointer
    ) -> [UInt8]? {
        guard nonce.count == nonceSize, publicKey.count == keySize, secretKey.count == keySize,
            let secret = secretKey.baseAddress
        else { return nil }
        initialize()
        let plaintext = Array(message)
        var output = [UInt8](repeating: 0, count: plaintext.count + macSize)
        let status = crypto_box_easy(
            &output, plaintext, UInt64(plaintext.count), nonce, publicKey, secret.assumingMemoryBound(to: UInt8.self)
        )
        return status == 0 ? output : nil
    }

    /// `crypto_box_open_easy` into secret memory: the message in `box` from `publicKey` to `secretKey`; `nil` when
    /// it does not open (forged, damaged, wrong keys or nonce) or a size is wrong.
    package static func open(
        _ box: some Collection<UInt8>, nonce: [UInt8], publicKey: [UInt8], secretKey: UnsafeRawBufferPointer
    ) -> SecretBytes? {
        guard box.count >= macSize, nonce.count == nonceSize, publicKey.count == keySize,
            secretKey.count == keySize, let secret = secretKey.baseAddress
        else { return nil }
        initialize()
        let ciphertext = Array(box)
        return SecretBytes(count: ciphertext.count - macSize) { output in
            crypto_box_open_easy(
                output.baseAddress!.assumingMemoryBound(to: UInt8.self), ciphertext, UInt64(ciphertext.count), nonce,
                publicKey, secret.assumingMemoryBound(to: UInt8.self)
            ) == 0
        }
    }

    /// `crypto_box_beforenm`: the key the `afternm` calls use between `publicKey` and `secretKey`; `nil` when a size
    /// is wrong or the public key is of low order.
    package static func precompute(publicKey: [UInt8], secretKey: UnsafeRawBufferPointer) -> SecretBytes? {
        guard publicKey.count == keySize, secretKey.count == keySize, let secret = secretKey.baseAddress else {
            return nil
        }
        initialize()
        return SecretBytes(count: keySize) { key in
            crypto_box_beforenm(
                key.baseAddress!.assumingMemoryBound(to: UInt8.self), publicKey,
                secret.assumingMemoryBound(to: UInt8.self)
            ) == 0
        }
    }

    /// `crypto_box_easy_afternm`, in place: encrypts the `length` bytes the caller put at `output + macSize` and
    /// writes the tag at `output`. `false` when `key` or `nonce` have the wrong size.
    package static func seal(
        inPlace output: UnsafeMutableRawPointer, length: Int, nonce: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer
    ) -> Bool {
        guard key.count == keySize, let keyBase = key.baseAddress, nonce.count == nonceSize,
            let nonceBase = nonce.baseAddress, length >= 0
        else { return false }
        let out = output.assumingMemoryBound(to: UInt8.self)
        return crypto_box_easy_afternm(
            out, out + macSize, UInt64(length), nonceBase.assumingMemoryBound(to: UInt8.self),
            keyBase.assumingMemoryBound(to: UInt8.self)
        ) == 0
    }

    /// `crypto_box_open_easy_afternm`: opens the box in `box` (tag then ciphertext) into `output`, which must hold
    /// `box.count - macSize` bytes. `false` when it does not open or a size is wrong.
    package static func open(
        _ box: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, nonce: UnsafeRawBufferPointer,
        key: UnsafeRawBufferPointer
    ) -> Bool {
        guard key.count == keySize, let keyBase = key.baseAddress, nonce.count == nonceSize,
            let nonceBase = nonce.baseAddress, box.count >= macSize, let boxBase = box.baseAddress,
            output.count == box.count - macSize
        else { return false }
        // libsodium writes nothing for an empty message, but wants a valid pointer.
        var spare: UInt8 = 0
        return withUnsafeMutablePointer(to: &spare) { sparePointer in
            crypto_box_open_easy_afternm(
                output.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? sparePointer,
                boxBase.assumingMemoryBound(to: UInt8.self), UInt64(box.count),
                nonceBase.assumingMemoryBound(to: UInt8.self), keyBase.assumingMemoryBound(to: UInt8.self)
            ) == 0
        }
    }

    /// `crypto_box_easy_afternm` on arrays: the box of `message` under a precomputed `key`; `nil` on a wrong size.
    package static func box(_ message: [UInt8], nonce: [UInt8], key: UnsafeRawBufferPointer) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: message.count + macSize)
        let sealed = output.withUnsafeMutableBytes { out -> Bool in
            let base = out.baseAddress!
            message.withUnsafeBytes { if let source = $0.baseAddress { (base + macSize).copyMemory(from: source, byteCount: $0.count) } }
            return nonce.withUnsafeBytes { seal(inPlace: base, length: message.count, nonce: $0, key: key) }
        }
        return sealed ? output : nil
    }

    /// `crypto_box_open_easy_afternm` on arrays: the message in `box` under a precomputed `key`; `nil` when it does
    /// not open or a size is wrong.
    package static func open(_ box: some Collection<UInt8>, nonce: [UInt8], key: UnsafeRawBufferPointer) -> [UInt8]? {
        guard box.count >= macSize else { return nil }
        let ciphertext = Array(box)
        var output = [UInt8](repeating: 0, count: ciphertext.count - macSize)
        let opened = output.withUnsafeMutableBytes { out in
            ciphertext.withUnsafeBytes { input in
                nonce.withUnsafeBytes { open(input, into: out, nonce: $0, key: key) }
            }
        }
        return opened ? output : nil
    }

    /// `crypto_secretbox_easy`: `message` sealed under the 32-byte `key`; `nil` on a wrong size.
    package static func secretBox(
        _ message: UnsafeRawBufferPointer, nonce: [UInt8], key: UnsafeRawBufferPointer
    ) -> [UInt8]? {
        guard nonce.count == nonceSize, key.count == keySize, let keyBase = key.baseAddress else { return nil }
        initialize()
        var output = [UInt8](repeating: 0, count: message.count + macSize)
        var spare: UInt8 = 0
        let status = withUnsafeMutablePointer(to: &spare) { sparePointer in
            crypto_secretbox_easy(
                &output, message.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(sparePointer),
                UInt64(message.count), nonce, keyBase.assumingMemoryBound(to: UInt8.self)
            )
        }
        return status == 0 ? output : nil
    }

    /// `crypto_secretbox_open_easy` into secret memory: the message sealed in `box` under `key`; `nil` when it does
    /// not open or a size is wrong.
    package static func secretOpen(
        _ box: some Collection<UInt8>, nonce: [UInt8], key: UnsafeRawBufferPointer
    ) -> SecretBytes? {
        guard box.count >= macSize, nonce.count == nonceSize, key.count == keySize, let keyBase = key.baseAddress
        else { return nil }
        initialize()
        let ciphertext = Array(box)
        return SecretBytes(count: ciphertext.count - macSize) { output in
            crypto_secretbox_open_easy(
                output.baseAddress!.assumingMemoryBound(to: UInt8.self), ciphertext, UInt64(ciphertext.count), nonce,
                keyBase.assumingMemoryBound(to: UInt8.self)
            ) == 0
        }
    }
}
