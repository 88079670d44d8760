import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that print figures (never timed tests).",
        subcommands: [
            BenchPeak.self, BenchPerplexity.self, BenchLongRoPE.self, BenchOptimizers.self, BenchWorkers.self,
            BenchNAMM.self, BenchPause.self, BenchProjections.self,
        ])
}
