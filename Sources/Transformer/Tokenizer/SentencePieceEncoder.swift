/// SentencePiece-style BPE of Llama-2-family files (`tokenizer.ggml.model = llama`), as llama.cpp's
/// `llm_tokenizer_spm_session`: spaces become U+2581, symbols start as single characters, and the adjacent
/// pair whose merged text is a token with the highest score merges first (leftmost on ties). Characters left
/// that are not tokens are written as byte tokens `<0xXX>`.
struct SentencePieceEncoder: Sendable {
    private let idOf: [String: Int32]
    private let scores: [Float]
    private let byteTokens: [Int32?]
    private let unknown: Int32?

    init(vocabulary: Vocabulary) {
        idOf = vocabulary.idOf
        scores = vocabulary.scores
        unknown = vocabulary.unknown
        byteTokens = (0..<256).map { byte in
            vocabulary.idOf[String(format: "<0x%02X>", byte)]
        }
    }

    private struct Symbol {
        var text: String
        var previous: Int
        var next: Int
    }

    private struct Bigram: Comparable {
        let left: Int
        let right: Int
        let score: Float
        let text: String
        // Max-heap order: higher score first, then the leftmost.
        static func < (a: Bigram, b: Bigram) -> Bool {
            a.score != b.score ? a.score < b.score : a.left > b.left
        }
    }

    func encode(_ text: String, into output: inout [Int32]) {
        let characters = text.unicodeScalars.map { String($0) }
        if characters.isEmpty { return }
        var symbols = characters.enumerated().map { index, character in
            Symbol(text: character, previous: index - 1, next: index + 1 < characters.count ? index + 1 : -1)
        }
        var queue = Heap<Bigram>()
        func tryAdd(_ left: Int, _ right: Int) {
            guard left >= 0, right >= 0 else { return }
            let merged = symbols[left].text + symbols[right].text
            guard let id = idOf[merged] else { return }
            queue.push(Bigram(left: left, right: right, score: scores[Int(id)], text: merged))
        }
        for i in 1..<symbols.count { tryAdd(i - 1, i) }
        while let bigram = queue.pop() {
            let left = bigram.left
            let right = bigram.right
            // Skip bigrams made stale by an earlier merge of either side.
            guard !symbols[left].text.isEmpty, !symbols[right].text.isEmpty,
                symbols[left].text + symbols[right].text == bigram.text
            else { continue }
            symbols[left].text = bigram.text
            symbols[right].text = ""
            symbols[left].next = symbols[right].next
            if symbols[right].next >= 0 { symbols[symbols[right].next].previous = left }
            tryAdd(symbols[left].previous, left)
            tryAdd(left, symbols[left].next)
        }
        var index = 0
        while index >= 0 && index < symbols.count {
            let symbol = symbols[index]
            if let id = idOf[symbol.text] {
                output.append(id)
            } else {
                for byte in symbol.text.utf8 {
                    if let id = byteTokens[Int(byte)] { output.append(id) } else if let u = unknown { output.append(u) }
                }
            }
            index = symbol.next
        }
    }
}

/// A binary max-heap (the standard library has none).
struct Heap<Element: Comparable> {
    private var items: [Element] = []

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[parent] < items[child] {
                items.swapAt(parent, child)
                child = parent
            } else {
                break
            }
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var largest = parent
            if left < items.count && items[largest] < items[left] { largest = left }
            if right < items.count && items[largest] < items[right] { largest = right }
            if largest == parent { break }
            items.swapAt(parent, largest)
            parent = largest
        }
        return top
    }
}
