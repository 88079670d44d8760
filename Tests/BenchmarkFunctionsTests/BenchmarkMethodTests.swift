import BenchmarkFunctions
import Evolution
import Foundation
import Logging
import RunLoop
import Testing

/// The benchmark functions as an objective: their fields checked by name, and the objective they prepare computes the
/// published functions.
@Suite struct BenchmarkMethodTests {
    func experiment(strategy: String = "cma-es", dimension: Int = 3, lower: Double = -1) throws -> Experiment {
        try Experiment.benchmark(
            name: "t", function: .rosenbrock, dimension: dimension, strategy: strategy, sigma: 0.5, mean: 0,
            lower: lower, upper: 1, seed: 1, maxEvaluations: 10, target: nil)
    }

    @Test func fieldsAreCheckedByName() throws {
        let method = BenchmarkMethod()
        try method.validate(try experiment(), path: "t")
        #expect(throws: ExperimentError(path: "t", field: "lower", problem: "must be below upper (2.0 >= 1.0)")) {
            try method.validate(try experiment(lower: 2), path: "t")
        }
        #expect(throws: ExperimentError.self) { try method.validate(try experiment(dimension: 0), path: "t") }
        // A full covariance of 100,000 genes needs 186 GiB: refused by the strategy's ability, not its name.
        do {
            try method.validate(try experiment(dimension: 100_000), path: "t")
            Issue.record("accepted")
        } catch let error as ExperimentError {
            #expect(error.field == "dimension" && error.problem.contains("sep-cma-es"))
        }
        try method.validate(try experiment(strategy: "sep-cma-es", dimension: 100_000), path: "t")
    }

    @Test func thePreparedObjectiveIsTheFunction() throws {
        let search = try BenchmarkMethod().prepare(try experiment(), logger: Logger(label: "test"))
        // Rosenbrock: 0 at (1, 1, 1), 100 (x2 - x1^2)^2 + (1 - x1)^2 summed: 2 at the origin... per pair: 1 + 1.
        #expect(try search.objective.evaluate([1, 1, 1], progress: { _ in }).fitness == 0)
        #expect(try search.objective.evaluate([0, 0, 0], progress: { _ in }).fitness == 2)
        #expect(search.start.mean == [0, 0, 0] && search.start.lower == -1 && search.start.upper == 1)
    }
}
