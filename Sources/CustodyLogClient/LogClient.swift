import CustodyTransparency

/// A client of a transparency log with Rekor v2's write API and the C2SP tlog-tiles read API.
public struct LogClient: Sendable {}
