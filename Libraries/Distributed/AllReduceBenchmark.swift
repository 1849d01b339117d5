import CMPI
import Foundation

extension Ranks {
    /// The time of one `sum` (our ring) and of one MPI_Allreduce of `floats` Float values: the
    /// median over `repeats` after two warm-up calls, each timed between barriers (docs/CLUSTER.md).
    public func timeAllReduce(floats: Int, repeats: Int) -> (ring: Double, mpi: Double) {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(floats, 1))
        let output = UnsafeMutablePointer<Float>.allocate(capacity: max(floats, 1))
        defer { buffer.deallocate(); output.deallocate() }
        buffer.initialize(repeating: 1, count: max(floats, 1))
        func median(_ f: () -> Void) -> Double {
            var times: [Double] = []
            for i in 0..<(repeats + 2) {
                barrier()
                let t = DispatchTime.now().uptimeNanoseconds
                f()
                let dt = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
                // Every rank reports the slowest rank's time (what a step waits for).
                let slowest = gather([dt]).map { $0[0] }.max()!
                if i >= 2 { times.append(slowest) }
            }
            times.sort()
            return times[times.count / 2]
        }
        let ring = median { sum(buffer, count: floats) }
        let mpiTime = median {
            guard count > 1 else { return }
            MPI_Allreduce(buffer, output, Int32(floats), birdie_mpi_float(), birdie_mpi_sum(), birdie_mpi_world())
        }
        return (ring, mpiTime)
    }
}
