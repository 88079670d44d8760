import BenchmarkFunctions
import Evolution
import Foundation
import RunLoop
import Testing
import Workbench

/// One generic test over every registered objective, in the manner of the strategy registry's.
@Suite struct ObjectiveRegistryTests {
    static let common: Set<String> = [
        "format_version", "name", "objective", "strategy", "sigma", "seed", "max_evaluations", "max_generations",
        "target", "population_size", "evaluate_mean_every",
    ]

    @Test func namesFieldsAndExportsAreUniqueAndApart() {
        let registry = ObjectiveRegistry.standard
        let names = registry.objectiveNames
        #expect(Set(names).count == names.count, "an objective name is registered twice: \(names)")
        for method in registry.methods {
            // A method's fields never shadow the common ones, or the common decoder would take them.
            #expect(Set(method.sectionKeys).isDisjoint(with: Self.common), "\(method.objectives)")
        }
        let formats = registry.methods.flatMap(\.exportFormats).map(\.name)
        #expect(Set(formats).count == formats.count, "an export format is offered twice: \(formats)")
        #expect(!formats.contains("candidates-csv") && !formats.contains("candidates-json"))
    }

    @Test func anUnknownObjectiveAndAMisspeltFieldAreRefusedByName() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("exp-\(UUID()).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let base = """
            name: t
            strategy: cma-es
            sigma: 0.5
            seed: 1
            max_evaluations: 10
            dimension: 3
            mean: 0
            lower: -1
            upper: 1

            """
        try (base + "objective: spere\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(
            throws: ExperimentError(
                path: path, field: "objective",
                problem: "'spere' is not one of "
                    + ObjectiveRegistry.standard.objectiveNames.joined(separator: ", "))
        ) {
            try ObjectiveRegistry.standard.load(path: path)
        }
        try (base + "objective: sphere\nevaluation_dealy: 1\n").write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ObjectiveRegistry.standard.load(path: path)
            Issue.record("a misspelt field was accepted")
        } catch let error as ExperimentError {
            #expect(error.field == "evaluation_dealy")
        }
        try (base + "objective: sphere\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ObjectiveRegistry.standard.load(path: path).objective == "sphere")
    }

    /// A stored experiment reads back to the same value, its method's section included, so a resumed run
    /// prepares exactly what it started with.
    @Test func anExperimentRoundTripsThroughItsStoredForm() throws {
        var experiment = try Experiment.benchmark(
            name: "round trip", function: .rosenbrock, dimension: 4, strategy: "sep-cma-es", sigma: 0.3, mean: 0.5,
            lower: -2, upper: 2, seed: 0xFFFF_FFFF_FFFF, maxEvaluations: 100, target: 1e-8, evaluationDelay: 0.25)
        experiment.populationSize = 12
        let json = String(decoding: try JSONEncoder().encode(experiment), as: UTF8.self)
        let stored = try Experiment.stored(json, run: 1)
        #expect(stored == experiment)
        try ObjectiveRegistry.standard.validate(stored, path: "stored")
    }
}

/// `runs replay --numerics`: each method that has numerics changes exactly that setting.
@Suite struct ReplayNumericsTests {
    @Test func longRoPEAndNAMMTakeOtherNumericsAndTheBenchmarkFunctionsHaveNone() throws {
        let longrope = Experiment(
            name: "l", objective: "longrope", strategy: "cma-es", sigma: 0.1, seed: 1, maxEvaluations: 2,
            sections: ["longrope": .object(["target_length": .integer(16384), "space": .string("critical")])])
        let registry = ObjectiveRegistry.standard
        let method = try #require(registry.method(named: "longrope"))
        let changed = try #require(try method.experiment(longrope, numerics: "bf16"))
        guard case .object(let fields) = changed.sections["longrope"] else {
            Issue.record("no longrope section")
            return
        }
        #expect(fields["numerics"] == .string("bf16") && fields["target_length"] == .integer(16384))
        try registry.validate(changed, path: "t")
        #expect(throws: (any Error).self) { try method.experiment(longrope, numerics: "float8") }
        let namm = Experiment(
            name: "n", objective: "namm", strategy: "cma-es", sigma: 0.1, seed: 1, maxEvaluations: 2,
            sections: ["namm": .object(["budget": .string("0.25")])])
        let nammChanged = try #require(try registry.method(named: "namm")?.experiment(namm, numerics: "bf16"))
        guard case .object(let nammFields) = nammChanged.sections["namm"] else {
            Issue.record("no namm section")
            return
        }
        #expect(nammFields["numerics"] == .string("bf16"))
        let sphere = try Experiment.benchmark(
            name: "s", function: .sphere, dimension: 2, strategy: "cma-es", sigma: 0.1, mean: 0, lower: -1, upper: 1,
            seed: 1, maxEvaluations: 2, target: nil)
        #expect(try registry.method(named: "sphere")?.experiment(sphere, numerics: "bf16") == nil)
    }
}
