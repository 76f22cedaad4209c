/// The names of the commands VTX knows, as they appear on the wire.
public enum CommandName {
    /// `READY`.
    public static let ready = "READY"
    /// `ERROR`.
    public static let error = "ERROR"
    /// `SUBSCRIBE`.
    public static let subscribe = "SUBSCRIBE"
    /// `CANCEL`.
    public static let cancel = "CANCEL"
    /// `PING`.
    public static let ping = "PING"
    /// `PONG`.
    public static let pong = "PONG"
}
