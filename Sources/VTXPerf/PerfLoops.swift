import Foundation
import VTX

/// The loops of the four roles, shared by `vtx perf` (through ``Perf/run(_:endpoint:size:count:options:)``) and
/// vtx-bench (its inproc `thr` and `lat` too): each a plain function with nothing in its loop but the socket
/// calls, the size check and, for round trips, one clock read and one histogram record.
///
/// Each message sent is made afresh (``Perf/makeMessage(size:)``), as the C twins make theirs with
/// `zmq_msg_init_size` and `memset`, because sending hands the message to the socket: inline up to 32 bytes (no
/// allocation), carved from the thread's slab up to 2 KiB (one allocation per 16 KiB). A received message is
/// echoed as it came, with no copy.
extension Perf {
    /// Sends `count` messages of `size` bytes (`remote-thr`).
    ///
    /// - Throws: the socket's errors.
    @inline(never)
    public static func sendMessages(_ socket: Socket, size: Int, count: Int) throws(VTXError) {
        for _ in 0..<count {
            try socket.send(makeMessage(size: size))
        }
    }

    /// Receives `count` messages of `size` bytes and drops them (`local-thr`).
    ///
    /// - Throws: as ``receive(_:size:)``.
    @inline(never)
    public static func receiveMessages(_ socket: Socket, size: Int, count: Int) throws(VTXError) {
        for _ in 0..<count {
            _ = try receive(socket, size: size)
        }
    }

    /// Receives `count` requests of `size` bytes and sends each back as it came (`local-lat`).
    ///
    /// - Throws: as ``receive(_:size:)``, and the socket's errors on sending.
    @inline(never)
    public static func echo(_ socket: Socket, size: Int, count: Int) throws(VTXError) {
        for _ in 0..<count {
            try socket.send(try receive(socket, size: size))
        }
    }

    /// Makes `count` round trips of `size` bytes (`remote-lat`): sends a request, receives its reply, and records
    /// the time from one reply to the next (the first from the call) into `recorder`. One clock read per round
    /// trip, after the reply; returns the clock at the end (``nanoseconds()``), so the sum of the round trips is
    /// the time from `start` to it.
    ///
    /// - Throws: as ``receive(_:size:)``, and the socket's errors on sending.
    @inline(never)
    public static func roundTrips(
        _ socket: Socket,
        size: Int,
        count: Int,
        from start: UInt64,
        into recorder: inout LatencyRecorder
    ) throws(VTXError) -> UInt64 {
        var sent = start
        for _ in 0..<count {
            try socket.send(makeMessage(size: size))
            _ = try receive(socket, size: size)
            let received = nanoseconds()
            recorder.record(roundTrip: received &- sent)
            sent = received
        }
        return sent
    }

    /// Makes `count` untimed round trips of `size` bytes (a warm-up).
    ///
    /// - Throws: as ``receive(_:size:)``, and the socket's errors on sending.
    @inline(never)
    public static func roundTrips(_ socket: Socket, size: Int, count: Int) throws(VTXError) {
        for _ in 0..<count {
            try socket.send(makeMessage(size: size))
            _ = try receive(socket, size: size)
        }
    }

    /// The monotonic clock in nanoseconds (`CLOCK_MONOTONIC`, as the C programs read it).
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
