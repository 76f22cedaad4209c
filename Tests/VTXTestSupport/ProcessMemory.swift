import Foundation

/// A process's memory as Linux reports it in `/proc/PID/status`, for tests that check memory stays bounded.
public enum ProcessMemory {
    /// The resident set size (`VmRSS`) of process `pid` (default: this one) in bytes; `nil` when it cannot be
    /// read (the process is gone, or this is not Linux).
    public static func resident(of pid: Int32? = nil) -> Int? {
        field("VmRSS", of: pid)
    }

    /// The peak resident set size (`VmHWM`) of process `pid` (default: this one) in bytes; `nil` when it cannot
    /// be read.
    public static func peakResident(of pid: Int32? = nil) -> Int? {
        field("VmHWM", of: pid)
    }

    /// Resets this process's peak resident set size (`VmHWM`) to its current size (writes 5 to
    /// `/proc/self/clear_refs`); returns whether the kernel accepted it.
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }

    /// Hands the allocator's free pages back to the system (glibc's `malloc_trim(0)`), so that RSS measures memory
    /// in use rather than memory freed but kept for reuse; does nothing where there is no `malloc_trim`.
    public static func releaseFreeMemory() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        typealias Trim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// How far RSS rose over a series of samples taken after like steps: the median of the last quarter minus the
    /// median of the first. One sample against another measured the allocator's ups and downs (after each of 20
    /// waves of connections, RSS moved within ±2.5 MiB with no trend), while a leak moves the whole last quarter.
    public static func growth(over samples: [Int]) -> Int {
        let quarter = max(1, samples.count / 4)
        func median(_ part: ArraySlice<Int>) -> Int { part.sorted()[part.count / 2] }
        return median(samples.suffix(quarter)) - median(samples.prefix(quarter))
    }

    /// A size in MiB with one decimal, for messages.
    public static func describe(_ bytes: Int) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

    private static func field(_ name: String, of pid: Int32?) -> Int? {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("\(name):") {
            // `VmRSS:	   12345 kB`
            let fields = line.dropFirst(name.count + 1).split { $0 == " " || $0 == "\t" }
            let number = fields.first.flatMap { Int($0) }
            return number.map { $0 * 1024 }
        }
        return nil
    }
}
