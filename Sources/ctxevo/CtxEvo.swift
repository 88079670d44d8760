import ArgumentParser
import Foundation

@main
struct CtxEvo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctxevo",
        abstract:
            "Evolutionary search of a transformer's context handling (LongRoPE factors, NAMM memory, pause tokens).",
        subcommands: [
            Fetch.self, Tokenize.self, Perplexity.self, LongRoPE.self, NAMM.self, PauseTokens.self, Bench.self,
            Run.self, Resume.self,
            WorkerCommand.self,
            Runs.self, Report.self, DashboardCommand.self,
        ])

    static func main() {
        // A file-size limit (ulimit -f) then fails the write that crosses it, which the run database reports by name
        // with its transaction rolled back, instead of killing the process in the middle of the write.
        signal(SIGXFSZ, SIG_IGN)
        main(nil)
    }
}
