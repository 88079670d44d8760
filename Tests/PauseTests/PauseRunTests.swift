import Arithmetic
import Foundation
import Logging
import Objectives
import Pause
import RunLoop
import RunStore
import TestSupport
import Testing
import Transformer
import Workbench

/// Pause searches end to end on the tiny model: resume, the export and its model check, the held-out table,
/// and settings refused by name before anything runs.
@Suite(.serialized) struct PauseRunTests {
    static let modelPath: String = TinyModel.path ?? "/nonexistent"
    let logger = Logger(label: "test")

    func experiment(edit: (inout PauseSettings) -> Void = { _ in }) throws -> Experiment {
        var settings = PauseSettings()
        settings.model = Self.modelPath
        settings.problems = 3
        settings.subspaceDimension = 6
        settings.pauses = .gene(1...3)
        edit(&settings)
        var e = Experiment(
            name: "tiny-pause", objective: "pause", strategy: "sep-cma-es", sigma: 0.5, seed: 4, maxEvaluations: 24,
            sections: ["pause": try JSONValue(encoding: settings)])
        e.populationSize = 6
        return e
    }

    func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("pause-\(UUID().uuidString).\(suffix)").path
    }

    /// Stopped after random numbers of evaluations and resumed by new objectives (as new processes would build
    /// them): the generations and the fitnesses of one uninterrupted run, no evaluation run twice.
    @Test func resumedRunMatchesTheUninterruptedOne() throws {
        let e = try experiment()
        #expect(try ObjectiveRegistry.standard.prepare(e, logger: logger).objective.dimension == 7)
        let run = try InterruptedRun(e, objectives: .standard, seed: 2, atMost: 5, logger: logger)
        defer { run.remove() }
        let (store, id, reference, referenceID) = (run.store, run.id, run.reference, run.referenceID)
        #expect(run.wholeEvaluations >= 24)
        #expect(run.stops >= 2)
        #expect(run.evaluations == run.wholeEvaluations)
        #expect(try store.candidates(run: id).map(\.fitness) == reference.candidates(run: referenceID).map(\.fitness))
        let metrics = try JSONDecoder().decode(
            Metrics.self, from: Data(try store.candidates(run: id).first!.metrics.utf8))
        #expect(Set(metrics.perFamilyPerplexity?.keys.map { $0 } ?? []) == Set(PauseTasks.families))
        #expect((1...3).contains(metrics.pauses ?? 0))
        // The fitness is the log of the answer perplexity.
        let first = try store.candidates(run: id).first!
        #expect(abs(exp(first.fitness!) - metrics.perplexity!) < 1e-9 * metrics.perplexity!)

        // The export: the best candidate's embedding and M, for this model only.
        let file = try PauseMethod.file(run: id, in: store, logger: logger)
        let best = try store.candidates(run: id).compactMap(\.fitness).min()!
        #expect(file.training.fitness == best)
        #expect(file.embedding.count == 96)
        let exported = temporaryPath("json")
        defer { try? FileManager.default.removeItem(atPath: exported) }
        try file.write(to: exported)
        #expect(try PauseFile.read(path: exported, width: 96, modelSHA256: file.training.modelSHA256) == file)
        #expect(throws: PauseError.otherModel(path: exported, file: file.training.modelSHA256, model: "0123")) {
            try PauseFile.read(path: exported, width: 96, modelSHA256: "0123")
        }
        #expect(throws: PauseError.self) { try PauseFile.read(path: exported, width: 576) }

        // The held-out table: every filler at each M, the point estimate inside its interval.
        let model = try LlamaModel(path: Self.modelPath)
        let heldOut = try PauseTasks.problems(families: ["arithmetic", "reversal"], count: 4, seed: 1, split: .heldOut)
        let rows = try PauseEvaluation.run(
            PauseEvaluation.Plan(problems: heldOut, pauses: [1, file.pauses], resamples: 200), model: model,
            evolved: file.embedding, numerics: .float32)
        #expect(rows.count == 3 * 2)  // two families and "all", two M
        for row in rows {
            #expect(row.conditions.map(\.filler) == ["none", "\".\"", "newline", "random", "evolved"])
            for c in row.conditions { #expect(c.low <= c.perplexity && c.perplexity <= c.high) }
            #expect(row.changeLow! <= row.change! && row.change! <= row.changeHigh!)
        }
        // "none" does not depend on M.
        #expect(rows[0].conditions[0] == rows[1].conditions[0])

        // The report shows the table, every string from the file escaped.
        var hostile = rows
        hostile[0].family = "<script>alert(1)</script>"
        let html = try PauseMethod().reportSections(
            run: id, in: store, evaluation: try JSONEncoder().encode(hostile), logger: logger)
        #expect(html.contains("Held-out evaluation") && html.contains("&lt;script&gt;"))
        #expect(!html.contains("<script>"))
    }

    @Test func badSettingsAreRefusedByName() throws {
        func refusal(_ edit: (inout PauseSettings) -> Void) throws -> String? {
            do {
                try ObjectiveRegistry.standard.validate(try experiment(edit: edit), path: "x.yaml")
                return nil
            } catch let error as ExperimentError {
                return error.field
            }
        }
        #expect(try refusal { $0.families = ["algebra"] } == "pause.families")
        #expect(try refusal { $0.pauses = .fixed(0) } == "pause.pauses")
        #expect(try refusal { $0.pauses = .gene(3...3) } == "pause.pauses")
        #expect(try refusal { $0.genome = .full } == "pause.subspace_dimension")
        #expect(try refusal { $0.problemFile = "p.jsonl" } == "pause.problem_file")
        #expect(try refusal { _ in } == nil)
        // A start that is not one token is refused when the model is read, before anything runs.
        let e = try experiment { $0.start = "heron" }
        #expect(throws: ExperimentError.self) { try ObjectiveRegistry.standard.prepare(e, logger: logger) }
    }

    /// The subspace genome: the origin at the start mean, unit variance per coordinate, M over its range.
    @Test func theGenomeMapsAsDocumented() {
        let width = 200
        let d = 50
        let projection = PauseGenome.projection(width: width, dimension: d, seed: 3)
        let meanSquare = projection.reduce(0.0) { $0 + Double($1 * $1) } / Double(projection.count)
        #expect(abs(meanSquare * Double(d) - 1) < 0.05)
        let origin = (0..<width).map { Float($0) }
        let genome = PauseGenome(width: width, origin: origin, scale: 0.1, projection: projection, pauses: .gene(2...6))
        #expect(genome.dimension == d + 1)
        #expect(genome.embedding(genome.startMean) == origin)
        #expect(genome.pauseCount(genome.startMean) == 4)
        #expect(genome.pauseCount(Array(repeating: 0, count: d) + [-3]) == 2)
        #expect(genome.pauseCount(Array(repeating: 0, count: d) + [9]) == 6)
        let full = PauseGenome(width: 3, origin: [1, 2, 3], scale: 2, projection: nil, pauses: .fixed(4))
        #expect(full.embedding([1, 0, -1]) == [3, 2, 1])
        #expect(full.pauseCount([0, 0, 0]) == 4)
    }
}
