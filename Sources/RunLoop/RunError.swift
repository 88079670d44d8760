import Evolution
import Foundation
import Objectives
import RunStore

/// What can be wrong with a recorded run when it is read back.
public enum RunError: Error, CustomStringConvertible, Equatable {
    case fingerprintMismatch(run: Int64, recorded: Fingerprints, found: Fingerprints)
    case badStoredState(run: Int64, String)
    /// A run of another objective than the command reads (`wanted`: "LongRoPE factors", "a NAMM memory network").
    case otherObjective(run: Int64, objective: String, wanted: String)
    /// A run whose genome is not what was asked for (a NAMM run searched "network" or "allocation").
    case otherSearch(run: Int64, searched: String, wanted: String)
    case noResultYet(run: Int64)
    /// `runs replay --numerics` on an objective whose evaluations have no numerics setting.
    case noNumerics(run: Int64, objective: String)
    case evaluationFailed(run: Int64, generation: Int, candidate: Int, reason: String)

    public var description: String {
        switch self {
        case .fingerprintMismatch(let run, let recorded, let found):
            recorded.model != found.model
                ? "run \(run) was recorded with the model sha256 \(recorded.model); the model given has "
                    + "\(found.model): resume it with the same file"
                : "run \(run) was recorded on data with sha256 \(recorded.data); the data found has \(found.data): "
                    + "resume it on the same texts and files"
        case .badStoredState(let run, let reason):
            "run \(run): the stored optimiser state is unusable (\(reason)); the database was damaged or edited"
        case .otherObjective(let run, let objective, let wanted):
            "run \(run) searched the '\(objective)' objective, not \(wanted)"
        case .otherSearch(let run, let searched, let wanted):
            "run \(run) searched a \(searched), not a \(wanted)"
        case .noResultYet(let run): "run \(run) has no finished generation yet: resume it first"
        case .noNumerics(let run, let objective):
            "run \(run) searched the '\(objective)' objective, whose evaluations have no numerics to change"
        case .evaluationFailed(let run, let generation, let candidate, let reason):
            "run \(run): a worker could not evaluate candidate \(candidate) of generation \(generation) (\(reason)); "
                + "fix the cause and resume the run (resuming retries it)"
        }
    }
}

extension StrategyRegistry {
    /// A stored strategy state, decoded and checked like input: a damaged or edited state is a `RunError`.
    public static func decode(_ data: Data, run id: Int64) throws -> any Strategy {
        let strategy: any Strategy
        do { strategy = try decode(data) } catch {
            throw RunError.badStoredState(run: id, "\(error)")
        }
        if let problem = StrategyValidation.problem(in: strategy) { throw RunError.badStoredState(run: id, problem) }
        return strategy
    }
}

extension RunRecord {
    /// What the run was recorded with.
    public var fingerprints: Fingerprints { Fingerprints(model: modelSHA256, data: dataSHA256) }

    /// Throws `RunError.fingerprintMismatch` unless `found` (what an objective prepared here reads) is what the run
    /// was recorded with.
    public func requireFingerprints(_ found: Fingerprints) throws {
        guard let id, found != fingerprints else { return }
        throw RunError.fingerprintMismatch(run: id, recorded: fingerprints, found: found)
    }
}
