import Foundation

/// Finds an executable product of this package (`vtx`, say) beside the test bundle that runs the tests.
public enum BuiltExecutable {
    /// The path of the product called `name` in the build directory the tests run from (`.build/debug/NAME`,
    /// `.build-tsan/debug/NAME`); `nil` when it was not built.
    public static func path(named name: String) -> String? {
        var directories: [URL] = []
        if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
        directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        for directory in directories {
            // The test bundle may sit one level down (`VTXPackageTests.xctest/Contents/MacOS` on macOS).
            for candidate in [directory, directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()] {
                let path = candidate.appendingPathComponent(name).path
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }
}
