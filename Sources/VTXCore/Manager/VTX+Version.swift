extension VTX {
    /// The version of the VTX library, as `major.minor.patch` (semantic versioning); the `vtx` tool reports it.
    public static let version = "0.1.0"
}
