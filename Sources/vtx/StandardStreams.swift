#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes all of `bytes` to a descriptor, retrying after interruptions; gives up quietly when the reader has gone.
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        offset += written
    }
}

/// Standard output for messages: buffered, flushed when the caller is about to wait (so a reader sees each message
/// as soon as the tool has nothing more at hand) or when the buffer grows large.
final class MessageOutput {
    private var buffer: [UInt8] = []
    private let descriptor: Int32

    /// An output writing to `descriptor` (standard output by default).
    init(descriptor: Int32 = STDOUT_FILENO) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    /// Appends bytes.
    func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends a line of text and a newline.
    func line(_ text: String) {
        append(text.utf8)
        buffer.append(0x0A)
    }

    /// Writes what is buffered.
    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { writeAll(descriptor, $0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Prints one line on standard error.
func printError(_ line: String) {
    var text = line
    text.append("\n")
    text.withUTF8 { writeAll(STDERR_FILENO, UnsafeRawBufferPointer($0)) }
}

/// Whether standard output is a terminal.
var standardOutputIsTerminal: Bool {
    isatty(STDOUT_FILENO) == 1
}

/// Lines of bytes from a descriptor (standard input), read with `read(2)` so that `poll(2)` on the descriptor tells
/// the truth about what is pending. A line ends at `\n`, which is not part of it; a last line without one counts.
final class LineReader {
    /// The descriptor read.
    let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    /// Whether the descriptor has reached end of file (lines may still be buffered).
    private(set) var reachedEnd = false

    /// A reader of `descriptor` (standard input by default).
    init(descriptor: Int32 = STDIN_FILENO) {
        self.descriptor = descriptor
        // A closed descriptor reads as an empty file.
        if fcntl(descriptor, F_GETFD) < 0 { reachedEnd = true }
    }

    /// Whether every line has been handed out and no more will come.
    var isExhausted: Bool { reachedEnd && start == buffer.count }

    /// The next complete line already read, without reading more; at end of file, the unterminated rest.
    func bufferedLine() -> [UInt8]? {
        if let newline = buffer[start...].firstIndex(of: 0x0A) {
            let line = Array(buffer[start..<newline])
            start = newline + 1
            compact()
            return line
        }
        if reachedEnd && start < buffer.count {
            let line = Array(buffer[start...])
            start = buffer.count
            compact()
            return line
        }
        return nil
    }

    /// Reads once from the descriptor (blocking only if nothing is pending); notes end of file.
    func fill() {
        guard !reachedEnd else { return }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                reachedEnd = true
            } else {
                buffer.append(contentsOf: chunk[0..<count])
            }
            return
        }
    }

    /// The next line, reading (and blocking) as needed; `nil` at end of input.
    func nextLine() -> [UInt8]? {
        while true {
            if let line = bufferedLine() { return line }
            if reachedEnd { return nil }
            fill()
        }
    }

    private func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 1 << 16 {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
