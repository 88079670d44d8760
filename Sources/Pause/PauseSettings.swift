import Foundation
import RunLoop
import Transformer

/// The `pause:` section of an experiment file.
///
/// ```yaml
/// pause:
///   model: default            # or a GGUF path
///   families: [arithmetic, retrieval, reversal]
///   problems: 24              # search problems per family (generated from the experiment's seed)
///   problem_file: FILE        # or the search problems from a file (JSON lines: family, prompt, answer)
///   pauses: 4                 # M, fixed; or [1, 8]: M is a gene, rounded into that range
///   genome: subspace          # full (one gene per coordinate of the embedding) | subspace (Black-Box Tuning)
///   subspace_dimension: 64    # subspace: genes; the projection is drawn from the experiment's seed
///   start: zero               # zero | a token whose embedding the search starts at, e.g. "."
///   numerics: float32         # float32 | bf16
/// ```
public struct PauseSettings: Codable, Sendable, Equatable {
    public enum Genome: String, Codable, Sendable, CaseIterable {
        case full, subspace
    }

    /// M: a fixed count, or the range of a gene.
    public enum Pauses: Codable, Sendable, Equatable, CustomStringConvertible {
        case fixed(Int)
        case gene(ClosedRange<Int>)

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let m = try? container.decode(Int.self) {
                self = .fixed(m)
            } else if let range = try? container.decode([Int].self), range.count == 2, range[0] <= range[1] {
                self = .gene(range[0]...range[1])
            } else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "a count, or [lowest, highest] for a gene")
            }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .fixed(let m): try container.encode(m)
            case .gene(let range): try container.encode([range.lowerBound, range.upperBound])
            }
        }

        public var description: String {
            switch self {
            case .fixed(let m): "\(m)"
            case .gene(let range): "a gene in [\(range.lowerBound), \(range.upperBound)]"
            }
        }

        /// The largest M a candidate can have (the context the evaluator needs).
        public var most: Int {
            switch self {
            case .fixed(let m): m
            case .gene(let range): range.upperBound
            }
        }
    }

    public var model: String?
    public var families: [String]?
    public var problems: Int?
    public var problemFile: String?
    public var pauses: Pauses?
    public var genome: Genome?
    public var subspaceDimension: Int?
    public var start: String?
    public var numerics: EngineNumerics?

    enum CodingKeys: String, CodingKey {
        case model, families, problems
        case problemFile = "problem_file"
        case pauses, genome
        case subspaceDimension = "subspace_dimension"
        case start, numerics
    }

    public init() {}

    var familyNames: [String] { families ?? PauseTasks.families }
    var problemCount: Int { problems ?? 24 }
    var pauseCount: Pauses { pauses ?? .fixed(4) }
    var genomeKind: Genome { genome ?? .subspace }
    var dimension: Int { subspaceDimension ?? 64 }
    var startName: String { start ?? "zero" }

    func validate(path: String) throws {
        func fail(_ field: String, _ problem: String) -> ExperimentError {
            ExperimentError(path: path, field: "pause.\(field)", problem: problem)
        }
        if familyNames.isEmpty { throw fail("families", "must name at least one family") }
        if let unknown = familyNames.first(where: { PauseTasks.generator($0) == nil }) {
            throw fail("families", PauseError.unknownFamily(unknown).description)
        }
        if Set(familyNames).count != familyNames.count { throw fail("families", "names a family twice") }
        if problemCount < 1 || problemCount > 10_000 { throw fail("problems", "must be between 1 and 10000") }
        if problemFile != nil && (problems != nil || families != nil) {
            throw fail("problem_file", "replaces the generated problems: give it without problems and families")
        }
        switch pauseCount {
        case .fixed(let m): if m < 1 || m > 256 { throw fail("pauses", "must be between 1 and 256, not \(m)") }
        case .gene(let range):
            if range.lowerBound < 1 || range.upperBound > 256 || range.count < 2 {
                throw fail("pauses", "a gene's range lies in [1, 256] and holds two counts at least")
            }
        }
        if genomeKind == .full && subspaceDimension != nil {
            throw fail("subspace_dimension", "is for the subspace genome")
        }
        if dimension < 1 || dimension > 4096 { throw fail("subspace_dimension", "must be between 1 and 4096") }
    }
}
