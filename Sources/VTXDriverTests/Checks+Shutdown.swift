import VTXCore

extension DriverConformance {
    /// ``Check/shutdownInFlight``.
    func checkShutdownInFlight(_ s: ConformanceSession) throws(ConformanceFailure) {
        let pull = try s.socket(.pull)
        let push = try s.socket(.push)
        try s.join(pull, [push])
        let idle = try s.socket(.pull)  // bound, with no peer: a receive on it waits until shutdown
        _ = try s.bind(idle)
        for socket in [pull, push, idle] {
            socket.sendTimeout = nil
            socket.receiveTimeout = nil
        }
        let limit = timeLimit
        let body = Frame([UInt8](repeating: 0x33, count: 64))
        let sent = SharedCounter()
        let received = SharedCounter()
        /// Runs `call` until it throws (at most ten million times and for the time limit); the error it threw.
        func loop(_ name: String, _ counter: SharedCounter, _ call: @escaping @Sendable () throws(VTXError) -> Void) -> WorkerThread<String> {
            WorkerThread(name: "vtx.conformance.\(name)") {
                let deadline = ContinuousClock.now + limit
                for _ in 0..<10_000_000 where ContinuousClock.now < deadline {
                    do throws(VTXError) {
                        try call()
                        counter.increment()
                    } catch {
                        return error.code.rawValue
                    }
                }
                return "no error before the time limit"
            }
        }
        let sender = loop("sender", sent) { () throws(VTXError) in try push.send(Message(body)) }
        let receiver = loop("receiver", received) { () throws(VTXError) in _ = try pull.receive() }
        let waiter = loop("waiter", SharedCounter()) { () throws(VTXError) in _ = try idle.receive() }
        // Whatever happens, the threads are done with the sockets before the session closes them.
        defer {
            s.vtx.shutdown()
            for (worker, sockets) in [(sender, [push]), (receiver, [pull]), (waiter, [idle])]
            where worker.join(within: s.timeout) == nil {
                sockets.forEach(s.abandon)
            }
        }
        try s.poll(
            "traffic to flow between the sender and receiver threads (sent \(sent.value), received \(received.value))",
            attempts: 100_000
        ) { () throws(ConformanceFailure) in
            received.value >= 200 || sender.join(within: .milliseconds(1)) != nil
        }
        let start = ContinuousClock.now
        s.vtx.shutdown()
        let elapsed = ContinuousClock.now - start
        let bound = SanitizerSlowdown.scaled(.seconds(3))
        try s.expect(elapsed < bound, "shutdown() with traffic in flight to return within \(bound)", "it took \(elapsed)")
        for (name, worker) in [("sending", sender), ("receiving", receiver), ("waiting in receive", waiter)] {
            let outcome = worker.join(within: s.timeout)
            try s.expect(
                outcome == VTXError.Code.terminated.rawValue,
                "the thread \(name) to stop with terminated at shutdown",
                outcome.map { "its call ended with \($0) (after \(sent.value) sent, \(received.value) received)" }
                    ?? "it was still blocked \(s.timeout) after shutdown")
        }
        // Every later call throws terminated; closing still works.
        let later: [(String, () throws(VTXError) -> Void)] = [
            ("send", { () throws(VTXError) in try push.send(Message("late")) }),
            ("trySend", { () throws(VTXError) in _ = try push.trySend(Message("late")) }),
            ("receive", { () throws(VTXError) in _ = try pull.receive() }),
            ("tryReceive", { () throws(VTXError) in _ = try pull.tryReceive() }),
            ("bind", { () throws(VTXError) in try idle.bind(makeBindEndpoint(s.uniqueName())) }),
            ("connect", { () throws(VTXError) in try push.connect(makeBindEndpoint(s.uniqueName())) }),
            ("socket", { () throws(VTXError) in _ = try s.vtx.socket(.pair) }),
        ]
        for (name, call) in later {
            let error = s.error(call)
            try s.expect(
                error?.code == .terminated, "\(name) after shutdown to throw terminated",
                error.map { "it threw \($0)" } ?? "it succeeded")
        }
    }
}
