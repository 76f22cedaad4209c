import Foundation
import Testing
import VTXTestSupport

@testable import VTXCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Frames of 33 B to 2 KiB are carved from per-thread slabs (FrameSlab): their bytes must never overlap, a slab must
// live exactly as long as its last frame (or its thread's cursor), and the core's long-lived frames must not hold
// slabs at all.

/// Helpers private to this file.
private enum Slabs {
    /// The slab a frame was carved from, or `nil` when it was not.
    static func slab(of frame: Frame) -> FrameSlab? {
        if case .slab(let slab, _) = frame.storage { return slab }
        return nil
    }

    /// `count` bytes that differ from frame to frame (`seed`) and from byte to byte.
    static func pattern(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ 1) }
    }

    /// Runs `body` on a new thread and returns once that thread has ended, its thread-specific values (the slab
    /// cursor) released.
    static func onNewThread(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let status = pthread_create(&thread, nil, { raw in
            #if canImport(Darwin)
            Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().body()
            #else
            Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().body()
            #endif
            return nil
        }, box)
        precondition(status == 0, "pthread_create failed")
        #if canImport(Darwin)
        pthread_join(thread!, nil)
        #else
        pthread_join(thread, nil)
        #endif
    }

    final class ThreadBody: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

@Suite("FrameSlabTests", .timeLimit(.minutes(1)))
struct FrameSlabTests {
    @Test func bodiesCarvedFromASlabNeverOverlap() {
        // Sizes from just above inline to the largest slab body, made one after another and all kept: every
        // frame must still hold its own bytes once all are made.
        var frames: [(Frame, [UInt8])] = []
        var filled: [Frame] = []
        for i in 0..<400 {
            let count = 33 + (i &* 389) % (FrameSlab.largestBody - 32)
            let bytes = Slabs.pattern(count, seed: i)
            frames.append((Frame(bytes), bytes))
            // The initializing form too, writing every byte it is given.
            filled.append(Frame(count: count) { buffer in
                for j in 0..<buffer.count { buffer[j] = bytes[j] ^ 0xFF }
            })
        }
        for (i, (frame, bytes)) in frames.enumerated() {
            #expect(Slabs.slab(of: frame) != nil, "frame \(i)")
            #expect(frame.bytes == bytes, "frame \(i)")
            #expect(filled[i].bytes == bytes.map { $0 ^ 0xFF }, "filled frame \(i)")
        }
    }

    @Test func consecutiveFramesShareASlabUntilItIsFull() {
        let slabs = Guarded<[ObjectIdentifier]>([])
        Slabs.onNewThread {
            // A new thread starts with an empty slab: 16 KiB holds exactly 16 bodies of 1 KiB.
            var frames: [Frame] = []
            for i in 0..<64 { frames.append(Frame(Slabs.pattern(1024, seed: i))) }
            slabs.withLock { $0 = frames.map { ObjectIdentifier(Slabs.slab(of: $0)!) } }
        }
        let ids = slabs.withLock { $0 }
        #expect(ids.count == 64)
        #expect(Set(ids).count == 64 * 1024 / FrameSlab.capacity)
        for start in stride(from: 0, to: ids.count, by: 16) {
            #expect(Set(ids[start..<start + 16]).count == 1, "frames \(start)..<\(start + 16)")
        }
    }

    @Test func slabOutlivesItsThreadUntilItsLastFrameIsGone() {
        let made = Guarded<[(Frame, [UInt8])]>([])
        Slabs.onNewThread {
            let frames = (0..<10).map { i in
                let bytes = Slabs.pattern(700, seed: i)
                return (Frame(bytes), bytes)
            }
            made.withLock { $0 = frames }
        }
        // The thread has ended and released its cursor; the frames keep the slab alive, with their bytes intact.
        var frames = made.withLock { list in
            defer { list = [] }
            return list
        }
        let watched = Weak(Slabs.slab(of: frames[0].0)!)
        for (frame, bytes) in frames { #expect(frame.bytes == bytes) }
        frames.removeLast(9)
        #expect(watched.object != nil, "the slab went away while a frame still used it")
        #expect(frames[0].0.bytes == frames[0].1)
        frames.removeAll()
        #expect(watched.object == nil, "the slab outlived its last frame")
    }

    @Test func detachedFrameHoldsNoSlab() {
        let kept = Guarded<(Frame, Weak)?>(nil)
        Slabs.onNewThread {
            let frame = Frame(Slabs.pattern(100, seed: 5))
            kept.withLock { $0 = (frame.detached(), Weak(Slabs.slab(of: frame)!)) }
        }
        let (detached, watched) = kept.withLock { $0! }
        #expect(Slabs.slab(of: detached) == nil)
        #expect(detached.bytes == Slabs.pattern(100, seed: 5))
        #expect(watched.object == nil, "the detached copy kept its original's slab alive")
        // Frames that hold no one else's storage come back as they are.
        let inline = Frame("short")
        #expect(inline.detached() == inline)
        let large = Frame(Slabs.pattern(5000, seed: 1))
        if case .heap(let original) = large.storage, case .heap(let copy) = large.detached().storage {
            #expect(original === copy)
        } else {
            Issue.record("a 5000-byte frame should have a heap block of its own")
        }
    }

    @Test func coreKeepsLongLivedFramesDetached() throws {
        let id = Frame(Slabs.pattern(100, seed: 9))
        #expect(Slabs.slab(of: id) != nil)

        #expect(Slabs.slab(of: PeerInfo(socketType: .dealer, routingId: id, address: "test").routingId!) == nil)
        var peer = PeerInfo(socketType: .dealer, address: "test")
        peer.routingId = id
        #expect(Slabs.slab(of: peer.routingId!) == nil)
        #expect(peer.routingId == id)

        var subscriptions = SubscriptionTrie()
        subscriptions.add(id)
        #expect(subscriptions.distinctPrefixes.allSatisfy { Slabs.slab(of: $0) == nil })
        #expect(subscriptions.matches(id))

        let vtx = VTX(drivers: [:])
        defer { vtx.shutdown() }
        let router = try vtx.socket(.router)
        router.routingId = id
        router.connectRoutingId = id
        router.xpubWelcomeMessage = Message([id, id])
        #expect(Slabs.slab(of: router.routingId!) == nil)
        #expect(Slabs.slab(of: router.connectRoutingId!) == nil)
        #expect(router.xpubWelcomeMessage!.frames.allSatisfy { Slabs.slab(of: $0) == nil })
        #expect(router.routingId == id)
        router.close()
    }
}
