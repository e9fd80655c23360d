extension KeySource {
    /// One line for reports: the paths, or how many inline keys (`2 inline keys (keyDatas)`).
    public var summary: String {
        switch self {
        case .paths(let paths): paths.count == 1 ? paths[0] : "[" + paths.joined(separator: ", ") + "]"
        case .data(let datas): datas.count == 1 ? "1 inline key" : "\(datas.count) inline keys"
        }
    }

    /// How many entries (paths or inline data) the source lists; a keyring entry may hold several keys.
    public var entryCount: Int {
        switch self {
        case .paths(let paths): Set(paths).count
        case .data(let datas): Set(datas).count
        }
    }
}
