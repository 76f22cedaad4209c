import Synchronization

/// The keys CURVE servers seal their cookies with, shared by every connection of a process (or of a socket) and
/// rotated every minute, so that a server keeps no secret per connection between WELCOME and INITIATE: the
/// server's transient secret key travels to the client and back inside the cookie, sealed with the current key.
///
/// A cookie opens with the current key or the one before it, so a client has at least one rotation interval
/// (60 s by default) to answer WELCOME. Replaced keys are wiped. libzmq instead draws a fresh cookie key per
/// connection and keeps it with the connection; the wire bytes are the same either way. Thread-safe.
public final class CurveCookieKeys: Sendable {
    private struct State {
        var current: SecretBytes
        var previous: SecretBytes?
        var rotatedAt: ContinuousClock.Instant
    }

    /// The keys every CURVE server uses unless given its own.
    public static let shared = CurveCookieKeys()

    /// How long a key stays current.
    public let rotationInterval: Duration
    private let rotates: Bool
    private let state: Mutex<State>

    /// Makes a key set that draws a fresh random key every `rotationInterval` (60 s by default, at least 1 s).
    public init(rotationInterval: Duration = .seconds(60)) {
        self.rotationInterval = max(rotationInterval, .seconds(1))
        rotates = true
        state = Mutex(State(current: CurveCookieKeys.randomKey(), previous: nil, rotatedAt: .now))
    }

    /// A key set with one fixed key that never rotates (for reproducible transcripts in tests).
    package init(fixedKey: [UInt8]) {
        rotationInterval = .seconds(60)
        rotates = false
        state = Mutex(State(current: SecretBytes(copying: fixedKey), previous: nil, rotatedAt: .now))
    }

    /// The key to seal a new cookie with, rotating first when the current one has served its interval.
    package func sealingKey() -> SecretBytes {
        state.withLock { state in
            rotateIfDue(&state)
            return state.current
        }
    }

    /// The keys a cookie may have been sealed with: the current one, then the previous one.
    package func openingKeys() -> [SecretBytes] {
        state.withLock { state in
            rotateIfDue(&state)
            return [state.current] + (state.previous.map { [$0] } ?? [])
        }
    }

    /// Makes a fresh key current now; the current one becomes the previous one, and the one before is dropped
    /// (wiped once no handshake holds it).
    package func rotate() {
        state.withLock { state in
            state.previous = state.current
            state.current = CurveCookieKeys.randomKey()
            state.rotatedAt = .now
        }
    }

    private func rotateIfDue(_ state: inout State) {
        guard rotates, ContinuousClock.now - state.rotatedAt >= rotationInterval else { return }
        // Two intervals or more without use: the previous key is too old to keep as well.
        let stale = ContinuousClock.now - state.rotatedAt >= rotationInterval * 2
        state.previous = stale ? nil : state.current
        state.current = CurveCookieKeys.randomKey()
        state.rotatedAt = .now
    }

    private static func randomKey() -> SecretBytes {
        var bytes = Sodium.randomBytes(Sodium.keySize)
        defer { Sodium.wipe(&bytes) }
        return SecretBytes(copying: bytes)
    }
}
