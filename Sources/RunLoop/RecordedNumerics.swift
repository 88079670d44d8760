import Objectives
import RunStore

extension ObjectiveRegistry {
    /// Run `id`'s experiment as its evaluations compute: the stored experiment, except that a run recorded by
    /// ctxevo 0.2.0 or earlier in `float32` (OpenBLAS's sgemm then, the own kernels since) computes in
    /// `float32-openblas`, so that it resumes, and replays, in the arithmetic it started with.
    public func experimentAsRecorded(run id: Int64, in store: RunStore) throws -> Experiment {
        let record = try store.run(id)
        let experiment = try Experiment.stored(record.configuration, run: id)
        guard Self.predatesOwnFloat32Kernels(record.codeVersion), let method = method(named: experiment.objective),
            try method.numerics(of: experiment) == "float32"
        else { return experiment }
        return try method.experiment(experiment, numerics: "float32-openblas") ?? experiment
    }

    /// Whether `codeVersion` ("ctxevo X.Y.Z", as runs record it) is older than 0.3.0, the first with the own float32
    /// kernels. An unreadable version is a newer writer's: not older.
    static func predatesOwnFloat32Kernels(_ codeVersion: String) -> Bool {
        guard codeVersion.hasPrefix("ctxevo ") else { return false }
        let parts = codeVersion.dropFirst("ctxevo ".count).split(separator: ".").map { Int($0) }
        guard parts.count == 3, let major = parts[0], let minor = parts[1], parts[2] != nil else { return false }
        return (major, minor) < (0, 3)
    }
}
