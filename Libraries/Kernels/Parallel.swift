import Foundation
import Dispatch

/// Splits work across the cores. Chunks are fixed by the sizes (never by timing), so results
/// that combine chunks are deterministic.
public enum Parallel {
    /// Worker count: the cores, or `--threads` through `Engine.configure`. 1 runs inline.
    /// Process-wide because every kernel splits its work by it; set before any work starts.
    nonisolated(unsafe) public internal(set) static var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(i)` for i in 0..<count, concurrently when `count > 1` and `worthIt`.
    @inlinable
    public static func forEach(_ count: Int, worthIt: Bool = true, _ body: (Int) -> Void) {
        if count <= 1 || workers <= 1 || !worthIt {
            for i in 0..<count { body(i) }
        } else {
            // The kernels hand disjoint slices of raw buffers to the workers, which Sendable
            // checking cannot see; the closure does not outlive this call.
            withoutActuallyEscaping(body) { body in
                let work = UncheckedSendable(body)
                DispatchQueue.concurrentPerform(iterations: count) { work.value($0) }
            }
        }
    }

    /// Splits 0..<total into at most `workers * 4` contiguous ranges of at least `minimum` items
    /// (multiples of 16 so vector loops stay aligned) and runs them concurrently.
    @inlinable
    public static func ranges(_ total: Int, minimum: Int = 4096, _ body: (Range<Int>) -> Void) {
        guard total > 0 else { return }
        let pieces = max(1, min(workers * 4, total / max(minimum, 1)))
        let size = ((total + pieces - 1) / pieces + 15) & ~15
        let count = (total + size - 1) / max(size, 1)
        forEach(count) { i in body(i * size..<min(total, (i + 1) * size)) }
    }
}

@usableFromInline
struct UncheckedSendable<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}

extension Parallel {
    /// Runs body(b, channels) for every batch row b and block of channels, concurrently. Blocks are
    /// as wide as possible (whole rows when the batch alone gives every core two tasks): a task then
    /// walks contiguous memory, which the prefetcher follows; narrow blocks jump a whole row per step.
    @inlinable
    public static func batchAndChannelBlocks(batch: Int, channels: Int, _ body: (Int, Range<Int>) -> Void) {
        let wanted = max(1, (2 * workers + batch - 1) / max(batch, 1))
        let width = max(16, ((channels + wanted - 1) / wanted + 15) & ~15)
        let blocks = max(1, (channels + width - 1) / width)
        forEach(batch * blocks) { task in
            let b = task / blocks, k = task % blocks
            body(b, k * width..<min(channels, (k + 1) * width))
        }
    }
}
