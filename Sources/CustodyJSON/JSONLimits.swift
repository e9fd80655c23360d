/// Named limits on JSON read from outside.
public struct JSONLimits: Sendable, Hashable {
    /// The largest document accepted, in bytes.
    public var maxDocumentBytes: Int
    /// The deepest nesting of arrays and objects accepted.
    public var maxDepth: Int

    /// Makes limits.
    public init(maxDocumentBytes: Int = JSONLimits.defaultMaxDocumentBytes, maxDepth: Int = JSONLimits.defaultMaxDepth) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxDepth = maxDepth
    }

    /// 4 MiB: the limit containers/image applies to manifests and signatures (`internal/iolimits`).
    public static let defaultMaxDocumentBytes = 4 * 1024 * 1024
    /// 64 levels: far deeper than any format Custody reads, shallow enough to bound recursion.
    public static let defaultMaxDepth = 64

    /// The defaults: 4 MiB and 64 levels.
    public static let `default` = JSONLimits()
}
