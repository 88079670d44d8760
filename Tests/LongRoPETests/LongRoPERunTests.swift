import Arithmetic
import Assets
import Evolution
import Foundation
import GGUF
import Logging
import LongRoPE
import Objectives
import RoPEScaling
import RunLoop
import RunStore
import TestSupport
import Testing
import Transformer
import Workbench

/// LongRoPE runs end to end on the tiny model (trained context 128, 8 rotary pairs) and the search set: resume,
/// bad input refused before anything is written, exports that round-trip.
@Suite(.serialized) struct LongRoPERunTests {
    static let modelPath: String = TinyModel.path ?? "/nonexistent"
    let logger = Logger(label: "test")

    func experiment(strategy: String = "cma-es", edit: (inout LongRoPESettings) -> Void = { _ in }) throws -> Experiment
    {
        var settings = LongRoPESettings(targetLength: 256, space: .critical)
        settings.model = LongRoPERunTests.modelPath
        settings.documents = 1
        settings.numerics = .float32
        edit(&settings)
        var e = Experiment(
            name: "tiny-longrope", objective: "longrope", strategy: strategy, sigma: 0.2, seed: 9, maxEvaluations: 22,
            sections: ["longrope": try JSONValue(encoding: settings)])
        e.populationSize = 6
        return e
    }

    func temporaryDatabase() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("longrope-\(UUID().uuidString).sqlite").path
    }

    /// Stopped after random numbers of evaluations and resumed (a new objective each time, as a new process would
    /// build): the same generations as one uninterrupted run, and no recorded evaluation run twice.
    @Test(arguments: ["cma-es", "ga"])
    func resumedRunContinuesWithoutRedoingAnEvaluation(strategy: String) throws {
        let e = try experiment(strategy: strategy)
        let run = try InterruptedRun(e, objectives: .standard, seed: 1, atMost: 7, logger: logger)
        defer { run.remove() }
        let (store, id, reference, referenceID) = (run.store, run.id, run.reference, run.referenceID)
        #expect(run.wholeEvaluations >= 22)
        #expect(run.stops >= 2)
        #expect(run.evaluations == run.wholeEvaluations)
        func table(_ store: RunStore, _ id: Int64) throws -> [[Double?]] {
            try store.generations(run: id).map { [$0.bestFitness, $0.medianFitness, $0.worstFitness, $0.stepSize] }
        }
        #expect(try table(store, id) == table(reference, referenceID))
        #expect(try store.candidates(run: id).map(\.fitness) == reference.candidates(run: referenceID).map(\.fitness))
        // The records hold the real fingerprints and the table each candidate evaluated.
        let record = try store.run(id)
        #expect(record.modelSHA256 == (try Digest.sha256(file: LongRoPERunTests.modelPath)))
        #expect(record.dataSHA256.count == 64)
        let metrics = try #require(try store.candidates(run: id).first?.metrics)
        let decoded = try JSONDecoder().decode(Metrics.self, from: Data(metrics.utf8))
        #expect(decoded.lambda?.count == 8)
        #expect(decoded.perplexity.map { $0 > 1 } == true)
        // The best is never worse than the best seed (generation 0).
        let seedBest = try #require(try store.generations(run: id).first?.bestFitness)
        #expect(try #require(try ExperimentRunner.strategy(run: id, in: store)?.best?.fitness) <= seedBest)
    }

    /// Each kind of bad input is refused by `prepare`, which runs before a run record exists.
    @Test func badInputIsRefusedBeforeAnyEvaluation() throws {
        func refused(_ e: Experiment, _ check: (Error) -> Bool) {
            do {
                try e.validate(path: "test")
                _ = try ObjectiveRegistry.standard.prepare(e, logger: logger)
                Issue.record("accepted")
            } catch { #expect(check(error), "\(error)") }
        }
        // A target not longer than the trained context (128).
        refused(try experiment { $0.targetLength = 128 }) { ($0 as? SearchSpaceError) == .notAnExtension(1) }
        // A target beyond the format's limit, and more documents of the target than the plays, joined, make.
        refused(try experiment { $0.targetLength = 2_000_000 }) { $0 is ExperimentError }
        refused(
            try experiment {
                $0.targetLength = 900_000
                $0.documents = 30
            }
        ) { $0 is CorpusError }
        // n-hat outside the target.
        refused(try experiment { $0.nHat = [0, 300] }) { ($0 as? ExperimentError)?.field == "longrope.n_hat" }
        // An empty space: critical pairs beyond the model's 8 pairs.
        refused(try experiment { $0.criticalPairs = [10, 12] }) { $0 is SearchSpaceError }
        // Factors files with the wrong count, or a non-finite value.
        let wrong = FileManager.default.temporaryDirectory.appendingPathComponent("wrong-\(UUID()).csv").path
        let infinite = FileManager.default.temporaryDirectory.appendingPathComponent("inf-\(UUID()).csv").path
        defer { for p in [wrong, infinite] { try? FileManager.default.removeItem(atPath: p) } }
        try FactorsFile.write([1, 2, 3], to: wrong)
        try "1\n2\ninf\n".write(toFile: infinite, atomically: true, encoding: .utf8)
        refused(
            try experiment {
                $0.baseFactors = wrong
                $0.baseLength = 200
            }
        ) { $0 is RescalingError }
        refused(
            try experiment {
                $0.baseFactors = infinite
                $0.baseLength = 200
            }
        ) { $0 is RescalingError }
    }

    /// ctxevo 0.2.0 computed `float32` through OpenBLAS: a float32 run it recorded resumes and replays in
    /// `float32-openblas`, bit for bit; a float32 run of this version computes with the own kernels, and a bf16 run
    /// of 0.2.0 stays bf16.
    @Test func aRunOfAnOlderVersionKeepsItsFloat32() throws {
        var e = try experiment()
        e.maxEvaluations = 6
        let temporary = try TemporaryStore(.sqlite)
        defer { temporary.remove() }
        let store = try temporary.open()
        // What 0.2.0 recorded: `float32` in the experiment, OpenBLAS's sums in the fitness.
        let asComputed = try #require(try LongRoPEMethod().experiment(e, numerics: "float32-openblas"))
        let search = try ObjectiveRegistry.standard.prepare(asComputed, logger: logger)
        let old = try ExperimentRunner.create(
            e, fingerprints: search.objective.fingerprints, in: store, codeVersion: "ctxevo 0.2.0")
        _ = try ExperimentRunner.run(id: old, in: store, objectives: .standard, search: search)
        let method = LongRoPEMethod()
        let recorded = try ObjectiveRegistry.standard.experimentAsRecorded(run: old, in: store)
        #expect(try method.numerics(of: recorded) == "float32-openblas")
        let replays = try RunReplay.replay(run: old, generation: nil, in: store, objectives: .standard)
        #expect(replays.count == (try store.candidates(run: old).count))
        #expect(replays.filter { !$0.reproduces }.isEmpty)
        let current = try ExperimentRunner.create(e, fingerprints: search.objective.fingerprints, in: store)
        let currentRecorded = try ObjectiveRegistry.standard.experimentAsRecorded(run: current, in: store)
        #expect(try method.numerics(of: currentRecorded) == "float32")
        let bf16 = try #require(try method.experiment(e, numerics: "bf16"))
        let oldBF16 = try ExperimentRunner.create(
            bf16, fingerprints: search.objective.fingerprints, in: store, codeVersion: "ctxevo 0.2.0")
        let oldBF16Recorded = try ObjectiveRegistry.standard.experimentAsRecorded(run: oldBF16, in: store)
        #expect(try method.numerics(of: oldBF16Recorded) == "bf16")
    }

    /// A stored experiment or optimiser state edited to nonsense gets a named error on resume and replay.
    @Test func tamperedDatabasesGetNamedErrors() throws {
        let e = try experiment()
        let path = temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let search0 = try ObjectiveRegistry.standard.prepare(e, logger: logger)
        let store = try SQLiteRunStore(path: path)
        let id = try ExperimentRunner.create(e, fingerprints: search0.objective.fingerprints, in: store)
        var budget = 8
        _ = try ExperimentRunner.run(
            id: id, in: store, objectives: .standard, search: search0,
            shouldStop: {
                budget -= 1
                return budget < 0
            })
        let state = try #require(try store.lastGeneration(run: id)).state
        func expectNamedError(_ body: () throws -> Void) {
            do {
                try body()
                Issue.record("accepted a tampered database")
            } catch is RunError {
            } catch is ExperimentError {
            } catch { Issue.record("unexpected error \(error)") }
        }
        // The optimiser state: a negative dimension, a step size that is not a number, a vector of the wrong length.
        let edits: [(inout [String: Any]) -> Void] = [
            { search in
                var parameters = search["parameters"] as! [String: Any]
                parameters["dimension"] = -3
                search["parameters"] = parameters
            },
            { search in search["sigma"] = "x" },
            { search in search["mean"] = [0.5, 0.5] },
        ]
        for edit in edits {
            var object = try #require(try JSONSerialization.jsonObject(with: state) as? [String: Any])
            var inner = try #require(object["state"] as? [String: Any])
            var search = try #require(inner["search"] as? [String: Any])
            edit(&search)
            inner["search"] = search
            object["state"] = inner
            try Tamper.setLastState(database: path, run: id, try JSONSerialization.data(withJSONObject: object))
            expectNamedError { _ = try ExperimentRunner.run(id: id, in: store, objectives: .standard, search: search0) }
            expectNamedError { _ = try RunReplay.replay(run: id, generation: 0, in: store, objectives: .standard) }
        }
        // A state from a newer ctxevo.
        var newer = try #require(try JSONSerialization.jsonObject(with: state) as? [String: Any])
        newer["version"] = 99
        try Tamper.setLastState(database: path, run: id, try JSONSerialization.data(withJSONObject: newer))
        expectNamedError { _ = try ExperimentRunner.run(id: id, in: store, objectives: .standard, search: search0) }
        expectNamedError { _ = try RunReplay.replay(run: id, generation: 0, in: store, objectives: .standard) }
        try Tamper.setLastState(database: path, run: id, state)
        // The stored experiment: a newer format, a negative target.
        let configuration = try store.run(id).configuration
        for (original, replacement) in [
            ("\"format_version\":2", "\"format_version\":99"), ("\"target_length\":256", "\"target_length\":-5"),
        ] {
            #expect(configuration.contains(original))
            try Tamper.setConfiguration(
                database: path, run: id, configuration.replacingOccurrences(of: original, with: replacement))
            expectNamedError { _ = try ExperimentRunner.run(id: id, in: store, objectives: .standard) }
            expectNamedError { _ = try RunReplay.replay(run: id, generation: 0, in: store, objectives: .standard) }
        }
    }

    /// csv, HF JSON and the GGUF copy round-trip: the GGUF copy evaluated with its own default rotation gives the
    /// perplexity of the original model with the found table.
    @Test func exportsRoundTrip() throws {
        let model = try LlamaModel(path: LongRoPERunTests.modelPath)
        let c = model.configuration
        let table = RotaryTable(lambda: (0..<c.rotaryPairs).map { 1 + Double($0) * 0.13 }, nHat: 0, mscale: 1.07)
        // csv
        let csvPath = FileManager.default.temporaryDirectory.appendingPathComponent("f-\(UUID()).csv").path
        let ggufPath = FileManager.default.temporaryDirectory.appendingPathComponent("f-\(UUID()).gguf").path
        defer { for p in [csvPath, ggufPath] { try? FileManager.default.removeItem(atPath: p) } }
        try FactorExport.csv(table).write(toFile: csvPath, atomically: true, encoding: .utf8)
        let read = try FactorsFile.readContents(path: csvPath)
        #expect(read.factors == table.lambda && read.nHat == 0 && read.mscale == 1.07)
        // HF
        let json = try FactorExport.huggingFace(table, configuration: c, targetLength: 256)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let scaling = try #require(object["rope_scaling"] as? [String: Any])
        #expect(scaling["rope_type"] as? String == "longrope")
        #expect(scaling["long_factor"] as? [Double] == table.lambda)
        #expect((scaling["short_factor"] as? [Double])?.count == c.rotaryPairs)
        #expect(scaling["attention_factor"] as? Double == 1.07)
        #expect(FactorExport.losses(.hf, table: RotaryTable(lambda: table.lambda, nHat: 4)).count == 1)
        // GGUF
        try FactorExport.gguf(
            table, source: try GGUFFile(path: LongRoPERunTests.modelPath), configuration: c, targetLength: 256,
            to: ggufPath)
        let file = try GGUFFile(path: ggufPath)
        #expect(try file.integer("llama.context_length") == 256)
        let exported = try LlamaModel(path: ggufPath)
        #expect(exported.weights.ropeFrequencyFactors == table.lambda.map { Float($0) })
        let tokens = exported.tokenizer.encode(
            String(repeating: "the heron and the lantern in the winter harbour. ", count: 8), addSpecial: false)
        let documents = [Array(tokens.prefix(255))]
        let original = try PerplexityEvaluator(model: model, context: 256, numerics: .float32).document(
            documents: documents, rotary: table)
        let copy = try PerplexityEvaluator(model: exported, context: 256, numerics: .float32).document(
            documents: documents, rotary: nil)
        #expect(abs(original.perplexity / copy.perplexity - 1) < 1e-5, "\(original.perplexity) vs \(copy.perplexity)")
    }

    /// LongRoPE's two tables in one GGUF (the format llama.cpp reads for Llama models: rope_factors_long and
    /// rope_factors_short with rope.scaling.type longrope): the copy evaluated at a context up to the trained one
    /// gives the original model's perplexity with the short table, beyond it with the long table; the HF config
    /// carries both.
    @Test func shortAndLongFactorsExportAndArePickedByContextSize() throws {
        let model = try LlamaModel(path: LongRoPERunTests.modelPath)
        let c = model.configuration
        let long = RotaryTable(lambda: (0..<c.rotaryPairs).map { 1 + Double($0) * 0.2 }, nHat: 0, mscale: 1.05)
        let short = RotaryTable(lambda: (0..<c.rotaryPairs).map { 1 + Double($0) * 0.01 }, nHat: 0, mscale: 1.05)
        let json = try FactorExport.huggingFace(
            long, short: short, configuration: c, targetLength: 2 * c.trainedContext)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let scaling = try #require(object["rope_scaling"] as? [String: Any])
        // (JSONSerialization's decimal text is not always the shortest round trip: compared to 1e-12.)
        func close(_ a: [Double]?, _ b: [Double]) -> Bool {
            a.map { zip($0, b).allSatisfy { abs($0 - $1) < 1e-12 } && $0.count == b.count } ?? false
        }
        #expect(close(scaling["short_factor"] as? [Double], short.lambda))
        #expect(close(scaling["long_factor"] as? [Double], long.lambda))

        let ggufPath = FileManager.default.temporaryDirectory.appendingPathComponent("f-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: ggufPath) }
        try FactorExport.gguf(
            long, short: short, source: try GGUFFile(path: LongRoPERunTests.modelPath), configuration: c,
            targetLength: 2 * c.trainedContext, to: ggufPath)
        let file = try GGUFFile(path: ggufPath)
        #expect(file.metadata["llama.rope.scaling.type"]?.string == "longrope")
        #expect(try file.integer("llama.rope.scaling.original_context_length") == c.trainedContext)
        #expect(file.tensor(named: "rope_freqs.weight") == nil)
        let exported = try LlamaModel(path: ggufPath)
        #expect(exported.weights.ropeFactorsShort == short.lambda.map { Float($0) })
        #expect(exported.weights.ropeFactorsLong == long.lambda.map { Float($0) })

        let tokens = exported.tokenizer.encode(
            String(repeating: "the heron and the lantern in the winter harbour. ", count: 40), addSpecial: false)
        for (context, table) in [(c.trainedContext, short), (2 * c.trainedContext, long)] {
            let documents = [Array(tokens.prefix(context - 1))]
            let original = try PerplexityEvaluator(model: model, context: context, numerics: .float32).document(
                documents: documents, rotary: table)
            let copy = try PerplexityEvaluator(model: exported, context: context, numerics: .float32).document(
                documents: documents, rotary: nil)
            #expect(
                abs(original.perplexity / copy.perplexity - 1) < 1e-5,
                "context \(context): \(original.perplexity) vs \(copy.perplexity)")
        }
        // Short factors searched under another temperature do not go with these long ones.
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("s-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: other) }
        try FactorExport.csv(RotaryTable(lambda: short.lambda, nHat: 0, mscale: 1.2)).write(
            toFile: other, atomically: true, encoding: .utf8)
        #expect(throws: ShortFactorsError.self) {
            try FactorExport.shortTable(path: other, long: long, pairs: c.rotaryPairs)
        }
    }
}

/// Edits a run database behind the store's back, as a user with the sqlite3 shell could.
enum Tamper {
    static func setLastState(database: String, run: Int64, _ state: Data) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try state.write(to: URL(fileURLWithPath: file))
        try sql(
            database,
            """
            UPDATE generation SET state = readfile('\(file)') WHERE runID = \(run)
            AND "index" = (SELECT max("index") FROM generation WHERE runID = \(run));
            """)
    }

    static func setConfiguration(database: String, run: Int64, _ configuration: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("configuration-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try configuration.write(toFile: file, atomically: true, encoding: .utf8)
        try sql(database, "UPDATE run SET configuration = CAST(readfile('\(file)') AS TEXT) WHERE id = \(run);")
    }

    static func sql(_ database: String, _ statement: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", database, statement]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "sqlite3 \(statement)")
    }
}

/// Multi-fidelity LongRoPE runs (`fidelity:` in the experiment): successive halving over the search documents.
@Suite(.serialized) struct LongRoPEFidelityTests {
    let logger = Logger(label: "test")

    func experiment(levels: [Int] = [1, 3], promote: Double = 0.5) throws -> Experiment {
        var settings = LongRoPESettings(targetLength: 256, space: .critical)
        settings.model = LongRoPERunTests.modelPath
        settings.documents = 3
        settings.numerics = .float32
        var e = Experiment(
            name: "tiny-longrope-fidelity", objective: "longrope", strategy: "cma-es", sigma: 0.2, seed: 9,
            maxEvaluations: 17, sections: ["longrope": try JSONValue(encoding: settings)])
        e.populationSize = 6
        e.fidelity = FidelitySchedule(levels: levels, promote: promote)
        return e
    }

    /// Every candidate is evaluated on the first document, the better half on all three; each level is recorded,
    /// a proxy is the objective on the first document alone, and the run's figures come from full evaluations.
    /// Stopped at random and resumed (the stops fall between levels too), it is the uninterrupted run.
    @Test func proxiesAreRecordedAndAResumedRunIsTheUninterruptedOne() throws {
        let e = try experiment()
        let run = try InterruptedRun(e, objectives: .standard, seed: 3, atMost: 5, logger: logger)
        defer { run.remove() }
        let (store, id) = (run.store, run.id)
        #expect(run.stops >= 2)
        #expect(run.evaluations == run.wholeEvaluations)
        func rows(_ store: RunStore, _ id: Int64) throws -> [[Double?]] {
            try store.candidates(run: id).map { [Double($0.generation), Double($0.index), $0.fitness] }
        }
        #expect(try rows(store, id) == rows(run.reference, run.referenceID))
        #expect(
            try store.generations(run: id).map(\.stepSize)
                == run.reference.generations(run: run.referenceID).map(\.stepSize))
        let candidates = try store.candidates(run: id)
        for generation in Set(candidates.map(\.generation)) {
            let here = candidates.filter { $0.generation == generation }
            let proxies = here.filter(\.isProxy)
            let full = here.fullEvaluations
            // 5 seeds in generation 0, 6 asked after: all on one document, half of them (rounded up) on three.
            #expect(full.count == (proxies.count + 1) / 2)
            // Those promoted are the proxies' best.
            let promoted = Set(full.map(\.index))
            let order = proxies.sorted { $0.fitness! < $1.fitness! }.map { ProxyIndex.split($0.index).candidate }
            #expect(Set(order.prefix(full.count)) == promoted)
        }
        // A proxy is the objective on the first document: its perplexity is that document's of the full one.
        let search = try ObjectiveRegistry.standard.prepare(e, logger: logger)
        let full = try #require(candidates.fullEvaluations.first { $0.generation == 1 })
        let proxy = try #require(
            candidates.first { $0.index == ProxyIndex.index(candidate: full.index, level: 0) && $0.generation == 1 })
        let x = try ExperimentRunner.decodeParameters(full.parameters, run: id)
        let first = try search.objective.evaluate(x, fidelity: 1, progress: { _ in })
        #expect(first.fitness == proxy.fitness)
        let fullMetrics = try JSONDecoder().decode(Metrics.self, from: Data(full.metrics.utf8))
        let proxyMetrics = try JSONDecoder().decode(Metrics.self, from: Data(proxy.metrics.utf8))
        #expect(fullMetrics.perDocument?.count == 3 && proxyMetrics.perDocument?.count == 1)
        #expect(abs(fullMetrics.perDocument![0] / proxyMetrics.perDocument![0] - 1) < 1e-12)
        // The run's result is a full evaluation; `runs show`'s summary counts each level.
        let lowest = try #require(try LowestPerplexity.find(run: id, in: store))
        #expect(!lowest.candidate.isProxy)
        let summary = try #require(try FidelitySummary(run: id, in: store))
        let fullCount = candidates.fullEvaluations.count
        #expect(summary.levels.map(\.evaluations) == [candidates.count - fullCount, fullCount])
        #expect(summary.fullEvaluationsSpent < Double(candidates.count))
        // A replay re-evaluates each proxy at its level and reproduces it.
        let replayed = try RunReplay.replay(
            run: id, generation: 1, in: store, objectives: .standard, logger: logger)
        #expect(replayed.count == candidates.filter { $0.generation == 1 }.count)
        #expect(replayed.allSatisfy { $0.recorded == $0.replayed })
    }

    /// Levels the objective cannot evaluate, and a schedule for an objective without proxies, are refused by name.
    @Test func badSchedulesAreRefused() throws {
        func problem(_ e: Experiment) -> String {
            do {
                try e.validate(path: "test")
                _ = try ObjectiveRegistry.standard.prepare(e, logger: logger)
                return "accepted"
            } catch { return "\(error)" }
        }
        #expect(
            problem(try experiment(levels: [1, 2])).contains("must end with the full evaluation: 3 search documents"))
        #expect(problem(try experiment(levels: [2, 1, 3])).contains("fidelity.levels"))
        #expect(problem(try experiment(levels: [3])).contains("at least two levels"))
        #expect(problem(try experiment(promote: 1)).contains("fidelity.promote"))
        var benchmark = Experiment(
            name: "rosenbrock", objective: "rosenbrock", strategy: "cma-es", sigma: 0.5, seed: 1, maxEvaluations: 10,
            sections: ["dimension": .integer(4), "mean": .number(0), "lower": .number(-3), "upper": .number(3)])
        benchmark.fidelity = FidelitySchedule(levels: [1, 2], promote: 0.5)
        #expect(problem(benchmark).contains("has no cheaper evaluation"))
    }
}

/// `longrope transfer`: recorded candidates scored on another text, against their search perplexity.
@Suite(.serialized) struct LongRoPETransferTests {
    let logger = Logger(label: "test")

    /// Given the search document itself as the "held-out" text, every candidate scores its recorded search
    /// perplexity again, so the ranks agree perfectly and the search's best is the held-out best.
    @Test func theSearchDocumentAsHeldOutTextReproducesTheSearch() throws {
        var settings = LongRoPESettings(targetLength: 256, space: .critical)
        settings.model = LongRoPERunTests.modelPath
        settings.documents = 1
        settings.numerics = .float32
        let e = Experiment(
            name: "tiny-transfer", objective: "longrope", strategy: "cma-es", sigma: 0.2, seed: 5, maxEvaluations: 9,
            sections: ["longrope": try JSONValue(encoding: settings)])
        let temporary = try TemporaryStore(.sqlite)
        defer { temporary.remove() }
        let store = try temporary.open()
        let search = try ObjectiveRegistry.standard.prepare(e, logger: logger)
        let id = try ExperimentRunner.create(e, fingerprints: search.objective.fingerprints, in: store)
        _ = try ExperimentRunner.run(id: id, in: store, objectives: .standard, search: search)
        let model = try LlamaModel(path: LongRoPERunTests.modelPath)
        let run = try LongRoPERun(run: id, in: store, configuration: model.configuration)
        let play = try Assets.searchPlays(count: 1, logger: logger)[0]
        let candidates = try LongRoPETransfer.candidates(run: id, in: store, top: nil)
        #expect(candidates.count == (try store.candidates(run: id).count))
        #expect(try LongRoPETransfer.candidates(run: id, in: store, top: 4).map(\.1) == candidates.prefix(4).map(\.1))
        let rows = try LongRoPETransfer.measure(
            run, candidates: candidates, model: model, text: try TextFile.read(path: play.path.path), documents: 1,
            numerics: .float32)
        for row in rows { #expect(abs(row.heldOutPerplexity / row.searchPerplexity - 1) < 1e-9, "\(row)") }
        let (spearman, rank) = LongRoPETransfer.agreement(rows)
        #expect(try #require(spearman) > 0.999)
        #expect(rank == 1)
    }
}
