import Evolution
import Foundation
import Objectives

/// An optimiser benchmark function as an objective (exercises the run loop, resume and reports in seconds).
/// `evaluationDelay` seconds of sleep per evaluation stand in for an expensive objective (kill and resume tests).
public final class BenchmarkObjective: Objective {
    public let function: BenchmarkFunction
    public let dimension: Int
    public let evaluationDelay: Double
    public var fingerprints: Fingerprints { .none }

    public init(function: BenchmarkFunction, dimension: Int, evaluationDelay: Double = 0) {
        self.function = function
        self.dimension = dimension
        self.evaluationDelay = evaluationDelay
    }

    public func evaluate(_ genome: [Double], progress: (Double) -> Void) throws -> Evaluation {
        if evaluationDelay > 0 { Thread.sleep(forTimeInterval: evaluationDelay) }
        return Evaluation(fitness: function(genome))
    }
}
