/// The splitting of text into words before byte-pair merges, as llama.cpp does it for each
/// `tokenizer.ggml.pre` value. llama.cpp applies a list of regular expressions in turn, each one splitting the
/// pieces the previous one produced; the expressions here are hand-written matchers with the same semantics
/// as llama.cpp's `unicode_regex_split_custom_gpt2` / `_llama3` (a piece's end acts as the end of the text).
public struct PreTokenizer: Sendable {
    enum Rule: Sendable {
        /// `\p{N}`: every number character is a piece of its own.
        case splitDigits
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (GPT-2).
        case gpt2
        /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        case llama3
    }

    let rules: [Rule]
    public let name: String

    static let recipes: [String: [Rule]] = {
        var table: [String: [Rule]] = [:]
        for name in ["default", "gpt2", "mpt", "olmo", "jais", "trillion", "granite-docling"] { table[name] = [.gpt2] }
        for name in ["starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva"] {
            table[name] = [.splitDigits, .gpt2]
        }
        for name in ["llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "dbrx", "smaug-bpe"] {
            table[name] = [.llama3]
        }
        return table
    }()

    public static var supportedNames: [String] { Array(recipes.keys) }

    public init(name: String) throws {
        guard let rules = PreTokenizer.recipes[name] else { throw TokenizerError.unsupportedPreTokenizer(name) }
        self.rules = rules
        self.name = name
    }

    /// Splits `text` into pieces (ranges into the scalar array).
    public func split(_ text: [Unicode.Scalar]) -> [Range<Int>] {
        let classes = text.map(CharacterClass.init)
        var pieces = [0..<text.count]
        for rule in rules {
            var next: [Range<Int>] = []
            next.reserveCapacity(pieces.count * 2)
            for piece in pieces where !piece.isEmpty {
                switch rule {
                case .splitDigits: PreTokenizer.splitDigits(piece, classes, into: &next)
                case .gpt2: PreTokenizer.gpt2(piece, text, classes, into: &next)
                case .llama3: PreTokenizer.llama3(piece, text, classes, into: &next)
                }
            }
            pieces = next
        }
        return pieces
    }

    static func splitDigits(_ piece: Range<Int>, _ classes: [CharacterClass], into out: inout [Range<Int>]) {
        var start = piece.lowerBound
        for i in piece where classes[i].isNumber {
            if start < i { out.append(start..<i) }
            out.append(i..<(i + 1))
            start = i + 1
        }
        if start < piece.upperBound { out.append(start..<piece.upperBound) }
    }

    static func gpt2(
        _ piece: Range<Int>, _ text: [Unicode.Scalar], _ classes: [CharacterClass], into out: inout [Range<Int>]
    ) {
        let scan = Scanner(text: text, classes: classes, end: piece.upperBound)
        var pos = piece.lowerBound
        while pos < scan.end {
            let start = pos
            defer { out.append(start..<pos) }  // every branch ends one piece
            let contraction = scan.contraction(at: pos, ignoringCase: false)  // 's 't 'm 'd 're 've 'll
            if contraction > 0 {
                pos += contraction
                continue
            }
            let isSpace = text[pos].value == 0x20
            let flags = isSpace ? scan.cls(pos + 1) : classes[pos]
            if flags.isLetter || flags.isNumber || flags.isOther {  // ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+
                let sameClass: (CharacterClass) -> Bool =
                    flags.isLetter ? { $0.isLetter } : flags.isNumber ? { $0.isNumber } : { $0.isOther }
                pos += isSpace ? 1 : 0
                while sameClass(scan.cls(pos)) { pos += 1 }
                continue
            }
            var spaces = 0
            while scan.cls(pos + spaces).isWhitespace { spaces += 1 }
            pos = scan.whitespaceEnd(at: pos, spaces: spaces) ?? pos + 1
        }
    }

    static func llama3(
        _ piece: Range<Int>, _ text: [Unicode.Scalar], _ classes: [CharacterClass], into out: inout [Range<Int>]
    ) {
        let scan = Scanner(text: text, classes: classes, end: piece.upperBound)
        func isLineBreak(_ v: UInt32) -> Bool { v == 0x0D || v == 0x0A }
        var pos = piece.lowerBound
        while pos < scan.end {
            let start = pos
            let c = text[pos].value
            let flags = classes[pos]
            let contraction = scan.contraction(at: pos, ignoringCase: true)  // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if contraction > 0 {
                pos += contraction
                out.append(start..<pos)
                continue
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(isLineBreak(c) || flags.isNumber) && (flags.isLetter || scan.cls(pos + 1).isLetter) {
                pos += 1
                while scan.cls(pos).isLetter { pos += 1 }
                out.append(start..<pos)
                continue
            }
            if flags.isNumber {  // \p{N}{1,3}
                var runStart = pos
                while scan.cls(pos).isNumber {
                    pos += 1
                    if pos - runStart >= 3 {
                        out.append(runStart..<pos)
                        runStart = pos
                    }
                }
                if runStart < pos { out.append(runStart..<pos) }
                continue
            }
            let isSpace = c == 0x20
            let flags2 = isSpace ? scan.cls(pos + 1) : flags
            if flags2.isOther {  // ?[^\s\p{L}\p{N}]+[\r\n]*
                pos += isSpace ? 1 : 0
                while scan.cls(pos).isOther { pos += 1 }
                while isLineBreak(scan.scalar(pos)) { pos += 1 }
                out.append(start..<pos)
                continue
            }
            var spaces = 0
            var lastLineBreakEnd = 0
            while scan.cls(pos + spaces).isWhitespace {
                if isLineBreak(scan.scalar(pos + spaces)) { lastLineBreakEnd = pos + spaces + 1 }
                spaces += 1
            }
            // \s*[\r\n]+, else the whitespace rules both patterns share.
            pos = lastLineBreakEnd > 0 ? lastLineBreakEnd : scan.whitespaceEnd(at: pos, spaces: spaces) ?? pos + 1
            out.append(start..<pos)
        }
    }

    /// What the gpt2 and llama3 patterns share: reads past the piece's end as nothing, English contractions,
    /// and the whitespace rules.
    struct Scanner {
        let text: [Unicode.Scalar]
        let classes: [CharacterClass]
        let end: Int

        func cls(_ i: Int) -> CharacterClass { i < end ? classes[i] : .outOfRange }
        func scalar(_ i: Int) -> UInt32 { i < end ? text[i].value : UInt32.max }

        /// The length of 's 't 'm 'd 're 've 'll at `pos` (any case when `ignoringCase`), 0 when there is none.
        func contraction(at pos: Int, ignoringCase: Bool) -> Int {
            guard scalar(pos) == 0x27, pos + 1 < end else { return 0 }
            func fold(_ v: UInt32) -> UInt32 { ignoringCase && v >= 0x41 && v <= 0x5A ? v + 32 : v }
            let next = fold(scalar(pos + 1))
            if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 { return 2 }
            guard pos + 2 < end else { return 0 }
            let after = fold(scalar(pos + 2))
            return (next == 0x72 && after == 0x65) || (next == 0x76 && after == 0x65) || (next == 0x6C && after == 0x6C)
                ? 3 : 0
        }

        /// \s+(?!\S): a run of `spaces` whitespace at `pos` followed by more text leaves its last space to the next
        /// piece; \s+: otherwise the whole run. nil when `pos` is not whitespace.
        func whitespaceEnd(at pos: Int, spaces: Int) -> Int? {
            if spaces > 1 && pos + spaces < end { return pos + spaces - 1 }
            return spaces > 0 ? pos + spaces : nil
        }
    }
}

/// The character classes the pre-tokenizer rules test, from the Unicode general category (llama.cpp's
/// `unicode_cpt_flags`): letter (L*), number (N*), whitespace (its fixed list), other (any assigned character
/// that is none of those), and unassigned (Cn), which no class matches.
struct CharacterClass: Sendable {
    let isLetter: Bool
    let isNumber: Bool
    let isWhitespace: Bool
    let isAssigned: Bool

    var isOther: Bool { isAssigned && !isLetter && !isNumber && !isWhitespace }

    static let outOfRange = CharacterClass(isLetter: false, isNumber: false, isWhitespace: false, isAssigned: false)

    init(isLetter: Bool, isNumber: Bool, isWhitespace: Bool, isAssigned: Bool) {
        self.isLetter = isLetter
        self.isNumber = isNumber
        self.isWhitespace = isWhitespace
        self.isAssigned = isAssigned
    }

    init(_ scalar: Unicode.Scalar) {
        let v = scalar.value
        if v < 0x80 {  // ASCII fast path
            let letter = (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
            let number = v >= 0x30 && v <= 0x39
            let space = v == 0x20 || (v >= 0x09 && v <= 0x0D)
            self.init(isLetter: letter, isNumber: number, isWhitespace: space, isAssigned: true)
            return
        }
        let whitespace =
            v == 0x85 || v == 0xA0 || v == 0x1680 || (v >= 0x2000 && v <= 0x200A) || v == 0x2028 || v == 0x2029
            || v == 0x202F || v == 0x205F || v == 0x3000
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self.init(isLetter: true, isNumber: false, isWhitespace: whitespace, isAssigned: true)
        case .decimalNumber, .letterNumber, .otherNumber:
            self.init(isLetter: false, isNumber: true, isWhitespace: whitespace, isAssigned: true)
        case .unassigned:
            self.init(isLetter: false, isNumber: false, isWhitespace: whitespace, isAssigned: whitespace)
        default:
            self.init(isLetter: false, isNumber: false, isWhitespace: whitespace, isAssigned: true)
        }
    }
}
