import ArgumentParser

struct NAMM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "namm",
        abstract: "Memory policies that evict from the KV cache: compare them at equal cache budgets.",
        subcommands: [NAMMEvolve.self, NAMMEvaluate.self])
}
