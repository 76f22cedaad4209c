extension ZMTPError {
    /// Any error of category ``Category/cryptographic``, for matching.
    public static let cryptographic = ZMTPError(.cryptographic, "a box failed to open or could not be made")
    /// Any error of category ``Category/invalidSequence``, for matching.
    public static let invalidSequence = ZMTPError(.invalidSequence, "a nonce or command out of sequence")
    /// Any error of category ``Category/keyExchange``, for matching.
    public static let keyExchange = ZMTPError(.keyExchange, "the key exchange failed")
}
