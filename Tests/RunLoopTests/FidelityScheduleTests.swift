import RunLoop
import Testing

/// Successive halving's bookkeeping (`FidelitySchedule`), against orders worked by hand.
@Suite struct FidelityScheduleTests {
    /// Who goes on from a level: the lowest values, at least one, a failed one last.
    @Test func survivorsAreTheBestFractionAndAFailureIsLast() {
        let schedule = FidelitySchedule(levels: [1, 4], promote: 0.5)
        #expect(schedule.survivors([0: 3, 1: 1, 2: .nan, 3: 2, 4: 5]) == [1, 3, 0])
        #expect(schedule.promoted(from: 1) == 1)
        #expect(FidelitySchedule(levels: [1, 2], promote: 0.01).promoted(from: 8) == 1)
        #expect(schedule.survivors([0: .nan, 1: .nan]) == [0])
    }

    /// The strategy's ranking: full evaluations by fitness, then the candidates stopped at the last proxy level,
    /// then those stopped earlier, each by its own level's value; a stopped one is never better than a full one.
    @Test func toldValuesRankFullThenStoppedLaterThenEarlier() {
        // 6 candidates; level 0: all; level 1: 4 of them; full: 2 of those.
        let stages: [[Int: Double]] = [
            [0: 10, 1: 9, 2: 30, 3: 8, 4: 40, 5: 7],
            [0: 11, 1: 12, 3: 13, 5: 14],
            [1: 20, 5: 21],
        ]
        let told = FidelitySchedule.told(stages: stages, count: 6)
        #expect(told[1] == 20 && told[5] == 21)
        let order = told.indices.sorted { told[$0] < told[$1] }
        #expect(order == [1, 5, 0, 3, 2, 4])
        #expect(told.allSatisfy { $0 >= 20 })
        // Without levels the values are the full ones; a failed stopped candidate is told NaN.
        #expect(FidelitySchedule.told(stages: [[0: 2, 1: 1]], count: 2) == [2, 1])
        let failed = FidelitySchedule.told(stages: [[0: .nan, 1: 1], [1: 3]], count: 2)
        #expect(failed[0].isNaN && failed[1] == 3)
    }
}
