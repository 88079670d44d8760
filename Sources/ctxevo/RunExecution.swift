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

/// Ctrl-C or SIGTERM (a supervisor stopping the process) asks the loop to stop between two evaluations: the one in
/// progress is finished and recorded. A second signal ends the process at once (a claimed candidate then returns
/// to the queue when its lease runs out).
final class InterruptFlag: Sendable {
    let raised = Atomic<Bool>(false)
    nonisolated(unsafe) var sources: [DispatchSourceSignal] = []

    init() {
        for (number, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [unowned self] in
                if self.raised.exchange(true, ordering: .relaxed) { exit(status) }
                FileHandle.standardError.write(
                    Data("\ninterrupt: stopping after the evaluation in progress (again to quit now)\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }

    var isRaised: Bool { raised.load(ordering: .relaxed) }
}

func execute(run id: Int64, store: RunStore, search: PreparedSearch, logger: Logger, work: WorkSettings) throws {
    let flag = InterruptFlag()
    let bar = ProgressBar(
        label: "run \(id)", unit: "eval", alreadyDone: try store.candidates(run: id).fullEvaluations.count)
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
