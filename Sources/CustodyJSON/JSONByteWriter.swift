/// Writes one JSON document straight into bytes, member by member, for hot paths where building
/// a ``JSONValue`` tree and sorting it would cost more than the work itself (the log server writes
/// an entry and an answer per append).
///
/// The writer adds the punctuation (`{`, `,`, `:`, quotes) and escapes strings exactly as
/// ``CanonicalJSONEncoder`` does in the ``CanonicalJSONEncoder/Style/rfc8785`` style, but it does
/// not sort: the caller writes members in canonical order (keys ascending by UTF-16 code units),
/// and its tests compare the bytes with ``CanonicalJSONEncoder/serialize(_:style:)`` of the same
/// tree.
///
/// ```swift
/// var writer = JSONByteWriter()
/// writer.beginObject()
/// writer.key("kind"); writer.string("hashedrekord")
/// writer.key("spec"); writer.beginObject(); writer.key("n"); writer.string("1"); writer.endObject()
/// writer.endObject()
/// // writer.bytes == Array(#"{"kind":"hashedrekord","spec":{"n":"1"}}"#.utf8)
/// ```
public struct JSONByteWriter: Sendable {
    /// The document so far.
    public private(set) var bytes: [UInt8]
    /// One bit per open container, innermost lowest: set once the container has a value, so the
    /// next one is preceded by a comma.
    private var hasValue: UInt64 = 0
    private var depth = 0
    /// Whether the next value follows a key (no comma before it).
    private var afterKey = false

    /// The deepest nesting the writer tracks.
    public static let maxDepth = 63

    /// Starts an empty document with room for `capacity` bytes.
    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Opens an object (`{`).
    public mutating func beginObject() { open(UInt8(ascii: "{")) }

    /// Closes the innermost object (`}`).
    public mutating func endObject() { close(UInt8(ascii: "}")) }

    /// Opens an array (`[`).
    public mutating func beginArray() { open(UInt8(ascii: "[")) }

    /// Closes the innermost array (`]`).
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Writes a member name and its colon; the member's value comes next.
    public mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// Writes a string value, escaped as RFC 8785 demands.
    public mutating func string(_ value: String) {
        separate()
        appendString(value)
    }

    /// Writes a string value whose characters `write` appends to the buffer it is given: for
    /// values that need no escape (base64, decimal digits), written without an intermediate
    /// `String`. `write` must append only printable ASCII other than `"` and `\`.
    public mutating func rawString(_ write: (inout [UInt8]) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        write(&bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if hasValue & bit != 0 { bytes.append(UInt8(ascii: ",")) }
        hasValue |= bit
    }

    private mutating func open(_ byte: UInt8) {
        precondition(depth < Self.maxDepth, "JSONByteWriter nests at most \(Self.maxDepth) containers")
        separate()
        bytes.append(byte)
        depth += 1
        hasValue &= ~(1 << UInt64(depth - 1))
    }

    private mutating func close(_ byte: UInt8) {
        precondition(depth > 0 && !afterKey, "JSONByteWriter: a container closed that is not open, or a key without a value")
        bytes.append(byte)
        depth -= 1
    }

    private mutating func appendString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        CanonicalJSONEncoder.appendEscaped(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }
}
