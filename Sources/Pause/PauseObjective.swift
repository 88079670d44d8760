import Foundation
import Objectives
import Transformer

/// Pause tokens by evolution (Goyal et al. 2023, "Think before you speak", searched instead of trained): a genome
/// is a pause embedding (and maybe M, `PauseGenome`); its fitness is the mean NLL of the answer tokens over the
/// search problems, with M copies of the embedding between each prompt and its answer. Metrics: the answer
/// perplexity overall and per family, greedy accuracy per answer token and per whole answer, and M.
public final class PauseObjective: Objective {
    public let genome: PauseGenome
    public let problems: [TokenizedProblem]
    public let fingerprints: Fingerprints
    public let scorer: PauseScorer

    public init(
        model: LlamaModel, problems: [TokenizedProblem], genome: PauseGenome, fingerprints: Fingerprints,
        numerics: EngineNumerics
    ) throws {
        self.genome = genome
        self.problems = problems
        self.fingerprints = fingerprints
        scorer = try PauseScorer(model: model, problems: problems, mostPauses: genome.pauses.most, numerics: numerics)
    }

    public var dimension: Int { genome.dimension }
    public var model: LlamaModel { scorer.model }

    public func evaluate(_ x: [Double], progress: (Double) -> Void) throws -> Evaluation {
        let m = genome.pauseCount(x)
        let scores = try scorer.score(problems, filler: .vector(genome.embedding(x)), pauses: m, progress: progress)
        let fitness = scores.meanNLL.reduce(0, +) / Double(scores.meanNLL.count)
        var metrics = Metrics()
        metrics.perplexity = exp(fitness)
        metrics.pauses = m
        var families: [String: Double] = [:]
        for family in Set(scores.families) { families[family] = scores.perplexity(family: family) }
        metrics.perFamilyPerplexity = families
        metrics.exactAnswers = scores.exactFraction()
        metrics.scoredTokens = problems.reduce(0) { $0 + $1.answer.count }
        metrics.processedTokens = scores.tokens
        metrics.seconds = scores.seconds
        return Evaluation(fitness: fitness, metrics: metrics)
    }
}
