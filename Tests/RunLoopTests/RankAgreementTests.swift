import RunLoop
import Testing

/// Spearman's rho against values computed by hand (and by scipy.stats.spearmanr for the tied case).
@Suite struct RankAgreementTests {
    func results(_ recorded: [Double], _ replayed: [Double]) -> [RunReplay.Result] {
        zip(recorded, replayed).enumerated().map {
            RunReplay.Result(generation: 0, index: $0.offset, recorded: $0.element.0, replayed: $0.element.1)
        }
    }

    @Test func perfectReversedAndTied() throws {
        let same = try #require(RankAgreement(results([3, 1, 2, 5], [30, 10, 20, 50])))
        #expect(same.spearman == 1 && same.bestStaysBest)
        let reversed = try #require(RankAgreement(results([1, 2, 3, 4], [4, 3, 2, 1])))
        #expect(abs(reversed.spearman + 1) < 1e-12 && reversed.rankOfRecordedBest == 4)
        // scipy.stats.spearmanr([1, 2, 2, 3, 5], [2, 1, 3, 3, 4]).statistic = 0.7631578947368421
        let tied = try #require(RankAgreement(results([1, 2, 2, 3, 5], [2, 1, 3, 3, 4])))
        #expect(abs(tied.spearman - 0.7631578947368421) < 1e-12)
        #expect(tied.rankOfRecordedBest == 2)
        // Failed candidates (nil or non-finite) are left out.
        var withFailure = results([1, 2, 3], [1, 2, 3])
        withFailure.append(RunReplay.Result(generation: 1, index: 0, recorded: nil, replayed: 0))
        #expect(try #require(RankAgreement(withFailure)).candidates == 3)
    }
}
