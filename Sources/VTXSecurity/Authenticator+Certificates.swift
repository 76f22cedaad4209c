import VTXCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Authenticator {
    /// Admits the CURVE clients whose certificates are in `directory`, as czmq's `zcertstore` and pyzmq's
    /// `configure_curve(location:)` do: every file there that holds a certificate adds its public key (public and
    /// secret files alike); other files are skipped. Call it again after the directory changes.
    ///
    /// - Returns: how many keys were added.
    /// - Throws: `VTXError.Code.invalidArgument` when the directory cannot be read.
    @discardableResult
    public func allowCurveCertificates(in directory: String) throws(VTXError) -> Int {
        guard let handle = opendir(directory) else {
            throw VTXError(
                .invalidArgument,
                "cannot read the certificate directory \(directory): \(String(cString: strerror(errno)))"
            )
        }
        defer { closedir(handle) }
        var keys: [CurveKey] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            if let certificate = try? Certificate.load(from: directory + "/" + name) {
                keys.append(certificate.publicKey)
            }
        }
        allowCurveKeys(keys)
        return keys.count
    }
}
