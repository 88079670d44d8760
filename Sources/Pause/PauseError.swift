import Foundation

public enum PauseError: Error, CustomStringConvertible, Equatable {
    case unknownFamily(String)
    case tooFewProblems(String, Int)
    case problemFile(String, String)
    case notOneToken(String, count: Int)
    case embeddingFile(String, String)
    case otherModel(path: String, file: String, model: String)

    public var description: String {
        switch self {
        case .unknownFamily(let name):
            "'\(name)' is not a task family (\(PauseTasks.families.joined(separator: ", ")))"
        case .tooFewProblems(let family, let count): "the \(family) family cannot make \(count) distinct problems"
        case .problemFile(let path, let problem): "problem file \(path) \(problem)"
        case .notOneToken(let text, let count):
            "\(String(reflecting: text)) is \(count) tokens for this model's tokenizer, not one"
        case .embeddingFile(let path, let problem): "pause embedding file \(path) \(problem)"
        case .otherModel(let path, let file, let model):
            "pause embedding file \(path) was evolved for the model with sha256 \(file.prefix(12))…, not this one (\(model.prefix(12))…)"
        }
    }
}
