#if canImport(Glibc)
import Glibc
#endif


/// The harnesses, by the name `scripts/fuzz.sh` gives them (`VTX_FUZZ_TARGET`).
let harnesses: [String: @Sendable ([UInt8]) -> Void] = [
    "greeting": GreetingHarness.run,
    "frame": FrameHarness.run,
    "command": CommandHarness.run,
    "engine": EngineHarness.run,
    "plain": PlainHarness.run,
    "curve": CurveHarness.run,
    "zap": ZAPHarness.run,
    "z85": Z85Harness.run,
    "certificate": CertificateHarness.run,
    "udp": UDPHarness.run,
]

/// The harness this process runs, chosen once by `VTX_FUZZ_TARGET`; an unknown name lists the harnesses and exits.
let selectedHarness: @Sendable ([UInt8]) -> Void = {
    let name = getenv("VTX_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let harness = harnesses[name] else {
        let names = harnesses.keys.sorted().joined(separator: " ")
        print("vtx-fuzz: set VTX_FUZZ_TARGET to one of: \(names)")
        exit(2)
    }
    return harness
}()

/// One input for the selected harness: libFuzzer's callback (`LLVMFuzzerTestOneInput`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedHarness(bytes)
    return 0
}

// The entry point. SwiftPM links an executable target's own entry point, `VTXFuzz_main`, as `main` (so libFuzzer's main is never
// used), and the modules are compiled with -parse-as-library (no top-level code). This entry point hands the
// arguments to libFuzzer's driver (LLVMFuzzerRunDriver, in libclang_rt.fuzzer), which reads the libFuzzer options
// and calls `fuzzOneInput` for every input.

/// libFuzzer's `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t))`.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The process's entry point: libFuzzer's driver with `fuzzOneInput`.
@_cdecl("VTXFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var values = argv
    return runFuzzerDriver(&count, &values, fuzzOneInput)
}
