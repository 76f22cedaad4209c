import CoreMetrics
import Foundation
import Synchronization

/// With `VTX_BENCH_METRICS=1` in the environment, bootstraps swift-metrics with ``CountingMetrics``, so that the
/// benchmark measures VTX with metrics on; otherwise leaves metrics off (swift-metrics' no-op backend).
func bootstrapMetricsIfAsked() {
    guard ProcessInfo.processInfo.environment["VTX_BENCH_METRICS"] == "1" else { return }
    MetricsSystem.bootstrap(CountingMetrics())
    FileHandle.standardError.write(Data("metrics: on (counting backend)\n".utf8))
}

/// A minimal real backend: every counter, meter and recorder is an atomic integer, as in the usual in-process
/// backends (Prometheus-style counters).
final class CountingMetrics: MetricsFactory {
    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { AtomicMetric() }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        AtomicMetric()
    }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { AtomicMetric() }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        AtomicMetric()
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { AtomicMetric() }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

/// One metric's value, in an atomic.
final class AtomicMetric: CounterHandler, FloatingPointCounterHandler, MeterHandler, RecorderHandler, TimerHandler {
    private let value = Atomic<Int64>(0)

    func increment(by amount: Int64) { value.add(amount, ordering: .relaxed) }
    func increment(by amount: Double) { value.add(Int64(amount), ordering: .relaxed) }
    func decrement(by amount: Double) { value.subtract(Int64(amount), ordering: .relaxed) }
    func set(_ value: Int64) { self.value.store(value, ordering: .relaxed) }
    func set(_ value: Double) { self.value.store(Int64(value), ordering: .relaxed) }
    func record(_ value: Int64) { self.value.store(value, ordering: .relaxed) }
    func record(_ value: Double) { self.value.store(Int64(value), ordering: .relaxed) }
    func recordNanoseconds(_ duration: Int64) { value.store(duration, ordering: .relaxed) }
    func reset() { value.store(0, ordering: .relaxed) }
}
