import ArgumentParser
import Assets
import BenchmarkFunctions
import Foundation
import LongRoPE
import NAMM
import Objectives
import Reporting
import RoPEScaling
import RunLoop
import RunStore
import Workbench

struct LongRoPE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "longrope", abstract: "Compare LongRoPE factors with the classic rescalings on held-out text.",
        subcommands: [LongRoPEEvaluate.self, LongRoPETransferCommand.self])
}
