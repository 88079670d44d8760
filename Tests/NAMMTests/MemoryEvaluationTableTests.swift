import NAMM
import Testing

/// The evaluate table: policies as rows in the order measured, budgets as columns largest first, the lowest
/// perplexity of each column in bold, in Markdown and in the report's HTML alike.
@Suite struct MemoryEvaluationTableTests {
    func cell(_ policy: String, _ budget: Double, _ perplexity: Double, passkey: Int? = nil) -> MemoryEvaluation.Cell {
        MemoryEvaluation.Cell(
            policy: policy, budget: budget, allocation: "uniform", perplexity: perplexity, kept: budget,
            keptPerLayer: [budget], passkeyPerplexity: nil, passkeyRetrieved: passkey,
            passkeySamples: passkey == nil ? nil : 3, seconds: 1)
    }

    @Test func theLowestOfEachColumnIsBold() {
        let cells = [cell("full", 1, 77), cell("h2o", 0.25, 80.5, passkey: 1), cell("namm-bam", 0.25, 80.25)]
        #expect(
            MemoryEvaluation.markdown(cells) == """
                | policy | 100 % | 25 % |
                |---|---:|---:|
                | full | **77.0000** (kept 100.0 %) |  |
                | h2o |  | 80.5000 (kept 25.0 %), passkey 1/3 |
                | namm-bam |  | **80.2500** (kept 25.0 %) |

                """)
        let html = MemoryEvaluation.html(cells)
        #expect(html.contains("<td align='right'><b>80.2500 (kept 25.0 %)</b></td>"))
        #expect(html.contains("<td align='right'>80.5000 (kept 25.0 %), passkey 1/3</td>"))
    }

    /// The eight baselines and three networks of results/namm/evaluate-4096.svg: eleven lines, eleven colours.
    @Test func eachPolicyOfThePlotHasItsOwnColour() {
        let policies = [
            "full", "recency", "streaming-llm", "h2o", "tova", "snapkv", "knorm", "random", "namm-linear", "namm-bam",
            "namm-linear+h2o",
        ]
        let svg = MemoryEvaluation.plot(policies.map { cell($0, $0 == "full" ? 1 : 0.25, 80) })
        let strokes = Set(
            svg.split(separator: "stroke='").dropFirst().map { $0.prefix(7) }
                .filter { $0.first == "#" && $0.dropFirst().allSatisfy(\.isHexDigit) })
        #expect(strokes.count == policies.count)
    }
}
