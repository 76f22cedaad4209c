#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much slower than a plain build this process runs: 3 under ThreadSanitizer (found by looking up its
/// runtime's `__tsan_init` symbol), 1 otherwise. The time bounds of ``DriverConformance`` scale by it, so a
/// sanitizer run on a busy machine is not failed for being slow.
public enum SanitizerSlowdown {
    /// The factor.
    public static let factor: Int = {
        guard let program = dlopen(nil, RTLD_NOW) else { return 1 }
        defer { dlclose(program) }
        return dlsym(program, "__tsan_init") == nil ? 1 : 3
    }()

    /// `duration` times the factor.
    public static func scaled(_ duration: Duration) -> Duration {
        duration * factor
    }
}
