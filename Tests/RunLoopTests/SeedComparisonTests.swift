import Foundation
import RunLoop
import RunStore
import TestSupport
import Testing

/// The share of each generation that beats the best seed, by perplexity when every candidate has one (the penalty
/// left out), else by fitness.
@Suite struct SeedComparisonTests {
    func store(_ rows: [(generation: Int, fitness: Double, perplexity: Double?)]) throws -> (TemporaryStore, Int64) {
        let temporary = try TemporaryStore(.sqlite)
        let store = try temporary.open()
        let run = try store.createRun(
            RunRecord(
                name: "seeded", strategy: "cma-es", configuration: "{}", modelSHA256: "-", dataSHA256: "-",
                codeVersion: "test", seed: 1))
        for (index, row) in rows.enumerated() {
            try store.recordCandidate(
                CandidateRecord(
                    runID: run.id!, generation: row.generation, index: index, parameters: "[0]", fitness: row.fitness,
                    metrics: row.perplexity.map { "{\"perplexity\":\($0)}" } ?? "{}", status: .ok, seconds: 1))
        }
        return (temporary, run.id!)
    }

    @Test func countsTheCandidatesBelowTheBestSeed() throws {
        // Fitness includes a penalty: by fitness nothing of generation 1 beats the seed, by perplexity two do.
        let (temporary, run) = try store([
            (0, 26.9, 26.9), (0, 27.5, 27.5), (1, 27.0, 26.7), (1, 28.0, 26.8), (1, 29.0, 27.1), (2, 26.5, 26.4),
        ])
        defer { temporary.remove() }
        let comparison = try #require(try SeedComparison.measure(run: run, in: try temporary.open()))
        #expect(comparison.byPerplexity && comparison.seed == 26.9)
        #expect(comparison.line == "gen 1: 2/3, gen 2: 1/1")

        let (plain, plainRun) = try store([(0, 4, nil), (0, 5, nil), (1, 3, nil), (1, 6, nil), (1, 4.5, nil)])
        defer { plain.remove() }
        let byFitness = try #require(try SeedComparison.measure(run: plainRun, in: try plain.open()))
        #expect(!byFitness.byPerplexity && byFitness.seed == 4 && byFitness.line == "gen 1: 1/3")
    }
}
