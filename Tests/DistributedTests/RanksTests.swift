import Distributed
import Testing

/// One process (no launcher): rank 0 of 1, MPI never started, every collective the identity.
/// The multi-rank behaviour is tested end to end under mpirun (ToolTests/DataParallelTests).
struct RanksTests {
    @Test func aProcessWithoutALauncherIsRankZeroOfOne() {
        let r = Ranks.world
        #expect(r.rank == 0 && r.count == 1 && r.isRoot)
        var values: [Float] = [1, 2, 3]
        values.withUnsafeMutableBufferPointer { r.sum($0.baseAddress!, count: 3) }
        #expect(values == [1, 2, 3])
        #expect(r.gather([1.5, 2]) == [[1.5, 2]])
        #expect(r.broadcast([4]) == [4])
        #expect(r.share(of: 8) == 0..<8)
    }

    @Test func onlyALauncherWithMoreThanOneProcessStartsMPI() {
        #expect(!Ranks.launcherWantsMPI([:]))
        #expect(!Ranks.launcherWantsMPI(["OMPI_COMM_WORLD_SIZE": "1", "PMIX_RANK": "0"]))
        #expect(Ranks.launcherWantsMPI(["OMPI_COMM_WORLD_SIZE": "2", "PMIX_RANK": "0"]))
        #expect(Ranks.launcherWantsMPI(["PMI_SIZE": "4"]))
        #expect(Ranks.launcherWantsMPI(["PMIX_RANK": "3"]))
        #expect(!Ranks.launcherWantsMPI(["SLURM_NTASKS": "8"]))
    }
}
