import Arithmetic
import Foundation

/// One problem: a prompt (worked examples, then the question), and the answer whose tokens alone are scored. The
/// pauses go between the two.
public struct PauseProblem: Codable, Sendable, Equatable, Hashable {
    public var family: String
    public var prompt: String
    /// The answer as it follows the prompt (with its leading space).
    public var answer: String

    public init(family: String, prompt: String, answer: String) {
        self.family = family
        self.prompt = prompt
        self.answer = answer
    }
}

/// Which set a problem belongs to: decided by the problem's own text (a hash), so that no problem a search reads
/// is ever held out, whatever the seeds and the counts asked of either set.
public enum PauseSplit: String, Sendable, Codable, CaseIterable {
    case search
    case heldOut = "held-out"

    /// One problem in four is held out.
    public static func of(_ problem: PauseProblem) -> PauseSplit {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for byte in (problem.family + "\u{0}" + problem.prompt + "\u{0}" + problem.answer).utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash % 4 == 0 ? .heldOut : .search
    }
}

/// The task families, generated deterministically from a seed (nothing downloaded). Each prompt shows two worked
/// examples of its family, then asks; the model must answer from what the prompt holds:
///
/// - `arithmetic`: the sum or difference of two numbers of 2 to 4 digits;
/// - `retrieval`: a ledger of six (name, code) pairs, then the code of one name;
/// - `reversal`: a list of three to five words, to be said in reverse order.
public enum PauseTasks {
    public static let families = ["arithmetic", "retrieval", "reversal"]

    static let names = [
        "heron", "lantern", "orchard", "falcon", "harbour", "meadow", "reed", "compass", "thistle", "quay", "willow",
        "ember", "granite", "saffron", "tundra", "violet", "cobalt", "juniper", "marble", "pepper", "raven", "sable",
        "tulip", "walnut",
    ]
    static let words = [
        "apple", "river", "stone", "cloud", "bread", "chair", "garden", "window", "candle", "mirror", "forest",
        "bottle", "pencil", "rabbit", "castle", "ladder", "button", "kettle", "basket", "carpet", "feather", "hammer",
        "island", "jacket", "lemon", "market", "needle", "pocket", "saddle", "turnip",
    ]

    /// `count` problems of each family in `families`, all of `split`, from `seed`: the same arguments give the
    /// same problems, in the same order, on every machine.
    public static func problems(families: [String], count: Int, seed: UInt64, split: PauseSplit) throws
        -> [PauseProblem]
    {
        var problems: [PauseProblem] = []
        for (index, family) in families.enumerated() {
            guard let make = generator(family) else { throw PauseError.unknownFamily(family) }
            // Each family its own stream, so that adding a family changes no other's problems.
            var random = RandomGenerator(seed: seed &+ UInt64(index + 1) &* 0x9e37_79b9_7f4a_7c15)
            var seen = Set<PauseProblem>()
            var attempts = 0
            while seen.count < count {
                attempts += 1
                if attempts > 100 * count + 1000 { throw PauseError.tooFewProblems(family, count) }
                let problem = make(&random)
                guard PauseSplit.of(problem) == split, seen.insert(problem).inserted else { continue }
                problems.append(problem)
            }
        }
        return problems
    }

    static func generator(_ family: String) -> ((inout RandomGenerator) -> PauseProblem)? {
        switch family {
        case "arithmetic": arithmetic
        case "retrieval": retrieval
        case "reversal": reversal
        default: nil
        }
    }

    /// "Q: What is 482 + 309?\nA: 791\n" twice, then the question.
    static func arithmetic(_ random: inout RandomGenerator) -> PauseProblem {
        func pair() -> (question: String, answer: String) {
            func number() -> Int {
                let digits = 2 + random.integer(below: 3)
                let low = Int(pow(10, Double(digits - 1)))
                return low + random.integer(below: 9 * low)
            }
            let (a, b) = (number(), number())
            if random.integer(below: 2) == 0 { return ("What is \(a) + \(b)?", " \(a + b)") }
            let (x, y) = (max(a, b), min(a, b))
            return ("What is \(x) - \(y)?", " \(x - y)")
        }
        return fewShot(family: "arithmetic", [pair(), pair(), pair()])
    }

    /// A ledger of six codes, the question for one of them.
    static func retrieval(_ random: inout RandomGenerator) -> PauseProblem {
        func ledger() -> (question: String, answer: String) {
            var pool = names
            var entries: [(String, Int)] = []
            for _ in 0..<6 {
                let name = pool.remove(at: random.integer(below: pool.count))
                entries.append((name, 1000 + random.integer(below: 9000)))
            }
            let asked = entries[random.integer(below: entries.count)]
            let text = entries.map { "the code of \($0.0) is \($0.1)" }.joined(separator: "; ")
            return ("Ledger: \(text). What is the code of \(asked.0)?", " \(asked.1)")
        }
        return fewShot(family: "retrieval", [ledger(), ledger(), ledger()])
    }

    /// Three to five words, reversed.
    static func reversal(_ random: inout RandomGenerator) -> PauseProblem {
        func list() -> (question: String, answer: String) {
            var pool = words
            let picked = (0..<(3 + random.integer(below: 3))).map { _ in
                pool.remove(at: random.integer(below: pool.count))
            }
            return (
                "Reverse the list: \(picked.joined(separator: ", ")).",
                " " + picked.reversed().joined(separator: ", ")
            )
        }
        return fewShot(family: "reversal", [list(), list(), list()])
    }

    /// The first pairs as worked examples, the last as the problem.
    static func fewShot(family: String, _ pairs: [(question: String, answer: String)]) -> PauseProblem {
        let shots = pairs.dropLast().map { "Q: \($0.question)\nA:\($0.answer)\n" }.joined()
        return PauseProblem(
            family: family, prompt: shots + "Q: \(pairs.last!.question)\nA:", answer: pairs.last!.answer)
    }

    /// Problems from a file, one JSON object a line: {"family": …, "prompt": …, "answer": …}.
    public static func read(path: String) throws -> [PauseProblem] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw PauseError.problemFile(path, "cannot be read as UTF-8 text") }
        var problems: [PauseProblem] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let problem = try? JSONDecoder().decode(PauseProblem.self, from: Data(line.utf8)) else {
                throw PauseError.problemFile(
                    path, "line \(number + 1) is not a JSON object with family, prompt and answer strings")
            }
            guard !problem.prompt.isEmpty, !problem.answer.isEmpty else {
                throw PauseError.problemFile(path, "line \(number + 1) has an empty prompt or answer")
            }
            problems.append(problem)
        }
        if problems.isEmpty { throw PauseError.problemFile(path, "holds no problem") }
        return problems
    }
}
