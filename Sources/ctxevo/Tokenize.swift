import ArgumentParser
import Transformer

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the token ids of a text, one per line.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var textOptions: TextOptions
    @Flag(help: "Add BOS/EOS as the model's metadata asks (llama.cpp's add_special).") var addSpecial = false

    func run() throws {
        let logger = makeLogger()
        // The tokenizer needs only the metadata: no weights are loaded.
        let tokenizer = try Tokenizer(modelPath: try modelOptions.resolve(logger: logger))
        let text = try textOptions.resolve(logger: logger)
        let ids = tokenizer.encode(text.contents, addSpecial: addSpecial)
        print(ids.map(String.init).joined(separator: "\n"))
    }
}
