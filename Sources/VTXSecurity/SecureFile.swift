import VTXCore
import ZMTP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes for certificates, with POSIX calls so the file mode is set at creation.
enum SecureFile {
    /// Writes `text` to `path` atomically: into a new file in the same directory created with `mode` (and
    /// `O_EXCL`, so never a file someone else prepared), then renamed over `path`. The file therefore has `mode`
    /// (less the umask) from its first byte, whatever file `path` was before.
    ///
    /// - Throws: ``VTXError`` naming the file when it cannot be created, written or renamed.
    static func writeAtomically(_ text: String, to path: String, mode: mode_t) throws(VTXError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw VTXError.fromErrno(errno, doing: "creating \(path)")
        }
        var bytes = Array(text.utf8)
        defer { Sodium.wipe(&bytes) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw VTXError.fromErrno(code, doing: "writing \(path)")
            }
            written += result
        }
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            let code = errno
            close(descriptor)
            unlink(temporary)
            throw VTXError.fromErrno(code, doing: "writing \(path)")
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw VTXError.fromErrno(code, doing: "replacing \(path)")
        }
    }

    /// The contents of `path` as UTF-8 text.
    ///
    /// - Throws: ``VTXError`` naming the file when it cannot be opened or read, or is larger than 1 MiB (no
    ///   certificate is).
    static func readText(_ path: String) throws(VTXError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw VTXError.fromErrno(errno, doing: "opening the certificate \(path)")
        }
        defer { close(descriptor) }
        let limit = 1 << 20
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw VTXError.fromErrno(errno, doing: "reading the certificate \(path)")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            guard bytes.count <= limit else {
                throw VTXError(.invalidArgument, "\(path) is larger than 1 MiB: not a certificate")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
