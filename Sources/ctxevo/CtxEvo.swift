import ArgumentParser

@main
struct CtxEvo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctxevo",
        abstract: "Evolutionary search of a transformer's context handling (LongRoPE factors, NAMM memory).",
        subcommands: [
            Fetch.self, Tokenize.self, Perplexity.self, LongRoPE.self, NAMM.self, Bench.self, Run.self, Resume.self,
            WorkerCommand.self,
            Runs.self, Report.self,
        ])
}
