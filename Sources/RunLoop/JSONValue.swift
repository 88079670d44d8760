import Foundation
import Yams

/// A JSON (or YAML) value of any shape: an experiment keeps each method's section as one, so that the run loop
/// stores and compares it without knowing its fields, and the method decodes its own settings from it.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    /// Whole numbers apart, so they are written back as whole numbers (a count read as 4096, not 4096.0).
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The value decoded as `T`, read as YAML (JSON is YAML), so a scalar decodes as whatever `T` expects: a number
    /// written where a string is expected (`mscale: 1.2`) reads as the string, as it did in the file.
    /// (Through YAML, not JSON, also because a YAML file may hold .nan or .inf, which JSON cannot, and the method's
    /// validation must see them to name the field.)
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try YAMLDecoder().decode(T.self, from: try YAMLEncoder().encode(self))
    }

    /// Any encodable value as a JSON value.
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
    }
}
