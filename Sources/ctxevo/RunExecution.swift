import ArgumentParser
import Assets
import BenchmarkFunctions
import Dispatch
import Foundation
import Logging
import LongRoPE
import NAMM
import Objectives
import Reporting
import RunLoop
import RunStore
import Synchronization
import Workbench

/// Ctrl-C asks the loop to stop between two evaluations; a second Ctrl-C ends the process at once.
final class InterruptFlag: Sendable {
    let raised = Atomic<Bool>(false)
    nonisolated(unsafe) var source: DispatchSourceSignal?

    init() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            if self.raised.exchange(true, ordering: .relaxed) { exit(130) }
            FileHandle.standardError.write(
                Data("\ninterrupt: stopping after the evaluation in progress (Ctrl-C again to quit now)\n".utf8))
        }
        source.resume()
        self.source = source
    }

    var isRaised: Bool { raised.load(ordering: .relaxed) }
}

func execute(run id: Int64, store: RunStore, search: PreparedSearch, logger: Logger, work: WorkSettings) throws {
    let flag = InterruptFlag()
    let bar = ProgressBar(label: "run \(id)", unit: "eval", alreadyDone: try store.candidates(run: id).count)
    let report = try ExperimentRunner.run(
        id: id, in: store, objectives: .standard, search: search, work: work, logger: logger,
        shouldStop: { flag.isRaised }
    ) { done, budget in
        if let budget { bar.update(done, of: budget) }
    }
    switch report.outcome {
    case .finished(let termination):
        let best = try ExperimentRunner.strategy(run: id, in: store)?.best
        print("run \(id) finished: \(termination)")
        if let best { print("best fitness \(best.fitness)") }
    case .interrupted:
        print("run \(id) interrupted; continue with `ctxevo resume \(id)`")
    }
}
