import Foundation
import Pause
import Testing

/// The generated problems: the same on every call, disjoint between the search and held-out sets whatever the
/// seeds, and answers that are what the prompt asks (recomputed here from the prompt's own text).
@Suite struct PauseTaskTests {
    @Test func problemsAreDeterministicAndTheSplitsDisjoint() throws {
        let search = try PauseTasks.problems(families: PauseTasks.families, count: 40, seed: 5, split: .search)
        #expect(search == (try PauseTasks.problems(families: PauseTasks.families, count: 40, seed: 5, split: .search)))
        #expect(search.count == 120)
        #expect(Set(search).count == search.count)
        var heldOut: Set<PauseProblem> = []
        for seed: UInt64 in [1, 5, 77] {
            heldOut.formUnion(
                try PauseTasks.problems(families: PauseTasks.families, count: 40, seed: seed, split: .heldOut))
        }
        #expect(heldOut.isDisjoint(with: Set(search)))
        #expect(heldOut.allSatisfy { PauseSplit.of($0) == .heldOut })
    }

    @Test func answersAreWhatThePromptsAsk() throws {
        let problems = try PauseTasks.problems(families: PauseTasks.families, count: 30, seed: 2, split: .search)
        for p in problems {
            let question = p.prompt.components(separatedBy: "Q: ").last!
            switch p.family {
            case "arithmetic":
                let parts = question.dropFirst("What is ".count).prefix { $0 != "?" }.split(separator: " ")
                let (a, op, b) = (Int(parts[0])!, parts[1], Int(parts[2])!)
                #expect(p.answer == " \(op == "+" ? a + b : a - b)")
            case "retrieval":
                let asked = question.components(separatedBy: "code of ").last!.prefix { $0 != "?" }
                #expect(
                    question.contains("the code of \(asked) is\(p.answer);")
                        || question.contains("the code of \(asked) is\(p.answer)."))
            case "reversal":
                let list = question.dropFirst("Reverse the list: ".count).prefix { $0 != "." }
                #expect(p.answer == " " + list.components(separatedBy: ", ").reversed().joined(separator: ", "))
            default:
                Issue.record("unknown family \(p.family)")
            }
            #expect(p.prompt.hasSuffix("\nA:"))
            #expect(p.prompt.components(separatedBy: "Q: ").count == 4)  // two worked examples, then the question
        }
    }

    @Test func problemFilesAreCheckedLineByLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("problems-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "{\"family\": \"x\", \"prompt\": \"Q: 1+1?\\nA:\", \"answer\": \" 2\"}\n\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(try PauseTasks.read(path: path) == [PauseProblem(family: "x", prompt: "Q: 1+1?\nA:", answer: " 2")])
        try "{\"family\": \"x\", \"prompt\": \"Q\"}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(
            throws: PauseError.problemFile(path, "line 1 is not a JSON object with family, prompt and answer strings")
        ) {
            try PauseTasks.read(path: path)
        }
    }
}
