import Foundation
import Logging
import Objectives

/// What a method's experiment reads: its model (the default one unless a path is given) and the documents of the
/// search set. Each missing file is a named error before anything is loaded.
extension Assets {
    /// A model path of an experiment ("default" or none: the default model, fetched on first use).
    public static func modelPath(named path: String?, field: String, logger: Logger) throws -> String {
        if let path, path != "default" {
            guard FileManager.default.fileExists(atPath: path) else {
                throw AssetError.missingModel(path, field: field)
            }
            return path
        }
        return try Assets().model(logger: logger).path
    }

    /// The `count` largest plays of the search set (the held-out book is never among them), fetched on first use.
    public static func searchPlays(count: Int, logger: Logger) throws -> [Corpus.Document] {
        try Corpus(root: try Assets().texts(logger: logger)).largestSearchDocuments(count: count)
    }
}
