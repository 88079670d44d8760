import ArgumentParser
import Foundation
import Objectives
import RoPEScaling
import RunStore
import Workbench

struct LongRoPE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "longrope", abstract: "Compare LongRoPE factors with the classic rescalings on held-out text.",
        subcommands: [LongRoPEEvaluate.self])
}
