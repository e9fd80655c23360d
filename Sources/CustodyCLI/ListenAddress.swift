import ArgumentParser

/// A `--listen HOST:PORT` value of the server commands.
struct ListenAddress {
    let host: String
    let port: Int

    /// Parses `HOST:PORT` (port 0 to 65535; 0 picks a free port).
    init(_ text: String, flag: String = "--listen") throws {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex, let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else {
            throw ValidationError("\(flag) must be HOST:PORT, e.g. 127.0.0.1:8443")
        }
        self.host = String(text[..<colon])
        self.port = port
    }
}
