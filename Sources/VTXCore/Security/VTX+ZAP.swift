extension VTX {
    /// Sends `request` to this manager's ZAP handler over a DEALER socket of its own (one per request, as libzmq
    /// gives each session its own pipe, so that the request id can always be `"1"`), and calls `completion` once
    /// with the handler's reply, ``ZAPOutcome/noHandler`` when none is bound, or ``ZAPOutcome/invalid(_:)``.
    ///
    /// The connect and send happen on the caller's thread (an inproc round trip); the wait for the reply suspends
    /// in a task, so a handler that never answers holds no thread.
    func authenticate(_ request: ZAPRequest, timeout: Duration, completion: @escaping @Sendable (ZAPOutcome) -> Void) {
        guard hasZAPHandler else {
            completion(.noHandler)
            return
        }
        let client: Socket
        do {
            client = try socket(.dealer)
            client.linger = .zero
            client.receiveTimeout = timeout
            try client.connect(ZAPRequest.endpoint)
            try client.send(request.message, timeout: .zero)
        } catch {
            completion(.invalid("the ZAP request could not be sent: \(error.message)"))
            return
        }
        Task {
            defer { client.close() }
            do throws(VTXError) {
                let answer = try await client.receive()
                do throws(VTXError) {
                    completion(.reply(try ZAPReply(parsing: answer)))
                } catch {
                    completion(.invalid(error.message))
                }
            } catch {
                let reason = error.code == .timedOut ? "the ZAP handler did not answer within \(timeout)" : error.message
                completion(.invalid(reason))
            }
        }
    }
}
