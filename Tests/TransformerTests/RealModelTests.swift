import Foundation
import Logging
import Objectives
import Testing
import Transformer
import Workbench

/// Tests on the real default model (SmolLM2-135M-Instruct Q4_1), fetched into the cache on first use. Expected
/// values were measured with llama.cpp (../shared/fixtures/README.md).
enum RealModel {
    static let shared: LlamaModel? = {
        do {
            return try LlamaModel(path: Assets().model(logger: Logger(label: "test")).path)
        } catch {
            print("cannot load the default model: \(error)")
            return nil
        }
    }()

    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent(name)
    }

    static func heldOutText() throws -> String {
        let root = try Assets().texts(logger: Logger(label: "test"))
        return try String(contentsOf: Corpus(root: root).heldOut[0].path, encoding: .utf8)
    }
}

@Suite(.serialized) struct RealModelTests {
    @Test func tokenIdsEqualLlamaCpp() throws {
        let model = try #require(RealModel.shared)
        let text = try String(contentsOf: RealModel.fixture("paradiselost_first2000.txt"), encoding: .utf8)
        let expected = try String(contentsOf: RealModel.fixture("paradiselost_first2000.llamacpp-token-ids"), encoding: .utf8)
            .split(separator: "\n").map { Int32($0)! }
        #expect(model.tokenizer.encode(text, addSpecial: true) == expected)
    }

    @Test func configurationIsSmolLM2() throws {
        let c = try #require(RealModel.shared).configuration
        let shape = [c.layers, c.modelWidth, c.attentionHeads, c.kvHeads, c.feedForwardWidth, c.vocabularySize]
        #expect(shape == [30, 576, 9, 3, 1536, 49152])
        #expect(c.trainedContext == 8192)
        #expect(c.ropeBase == 100_000)
        #expect(c.rotaryDimensions == 64)
    }

    /// llama-perplexity -c 512 -b 512 --chunks 3 gives 52.2683, 56.4303, 56.8849 on this file and text.
    @Test func llamaCppProtocolPerplexityMatchesTheFixture() throws {
        let model = try #require(RealModel.shared)
        let tokens = model.tokenizer.encode(try RealModel.heldOutText(), addSpecial: true)
        let result = try PerplexityEvaluator(model: model, context: 512).llamacpp(tokens: tokens, windows: 3, rotary: nil)
        #expect(result.scoredTokens == 3 * 255)
        for (ours, reference) in zip(result.perWindow, [52.2683, 56.4303, 56.8849]) {
            #expect(abs(ours / reference - 1) < 0.003, "running perplexity \(ours) vs llama.cpp \(reference)")
        }
    }

    /// Chunked prefill must not change the numbers: the same window in chunks of 100 and in one piece.
    @Test func chunkedPrefillEqualsOnePass() throws {
        let model = try #require(RealModel.shared)
        let tokens = Array(model.tokenizer.encode(try RealModel.heldOutText(), addSpecial: true).prefix(700))
        let whole = try PerplexityEvaluator(model: model, context: 350, chunkSize: 350)
            .document(documents: [tokens], rotary: nil)
        let pieces = try PerplexityEvaluator(model: model, context: 350, chunkSize: 100)
            .document(documents: [tokens], rotary: nil)
        #expect(abs(whole.perplexity / pieces.perplexity - 1) < 1e-4)
    }
}
