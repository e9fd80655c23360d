import Foundation
import ArgumentParser
import CustodyOCI
import CustodyStores

/// Where simple signatures are read or written: `--lookaside` or `--registries.d`; else, for a
/// `dir:` image, its own signature files, and for a `docker://` image, the registries.d found where
/// containers tools look.
struct SignatureStoreOptions: ParsableArguments {
    @Option(name: .customLong("registries.d"), help: "A registries.d directory whose lookaside settings say where signatures live.")
    var registriesDirectory: String?

    @Option(name: .long, help: "A lookaside base: a directory, file:///path, or http(s)://url (read only).")
    var lookaside: String?

    func validate() throws {
        if registriesDirectory != nil && lookaside != nil {
            throw ValidationError("--registries.d and --lookaside are mutually exclusive")
        }
    }

    /// The `--lookaside` store, if given.
    func explicitLookaside() throws -> (any SignatureStore)? {
        guard let lookaside else { return nil }
        return try LookasideStore(base: lookaside.contains("://") ? lookaside : "file://" + absolute(lookaside))
    }

    /// `--registries.d`, else the directory containers tools use when it exists, else an empty configuration.
    func registriesConfiguration() throws -> RegistriesConfiguration {
        if let registriesDirectory { return try RegistriesConfiguration(directory: registriesDirectory) }
        let directory = RegistriesConfiguration.defaultDirectory(home: ProcessInfo.processInfo.environment["HOME"])
        guard FileManager.default.fileExists(atPath: directory) else { return RegistriesConfiguration() }
        return try RegistriesConfiguration(directory: directory)
    }

    /// The store for an image: the explicit lookaside, the registries.d lookaside for `identity`,
    /// or the signature files of a `dir:` image; nil when there is none.
    func store(for image: ImageName, identity: ImageReference, forWriting: Bool) throws -> (any SignatureStore)? {
        if let store = try explicitLookaside() { return store }
        if registriesDirectory != nil || !image.isLocal {
            let configuration = try registriesConfiguration()
            if let location = configuration.lookaside(for: identity, forWriting: forWriting) {
                return try LookasideStore(base: location.url)
            }
            if registriesDirectory != nil { throw ValidationError("no lookaside for \(identity) in \(registriesDirectory ?? "")") }
        }
        if case .directory(let path) = image { return DirectorySignatureStore(path: path) }
        return nil
    }

    /// The lookaside a verifier reads for an image: the explicit one, else the registries.d
    /// lookaside for `identity` (for `docker://` images, or when --registries.d is given); nil
    /// when none is configured. A `dir:` image's own signature files are not a store here: they
    /// come with the image.
    func lookasideStore(for image: ImageName, identity: ImageReference) throws -> (any SignatureStore)? {
        if let store = try explicitLookaside() { return store }
        guard registriesDirectory != nil || !image.isLocal else { return nil }
        guard let location = try registriesConfiguration().lookaside(for: identity, forWriting: false) else { return nil }
        return try LookasideStore(base: location.url)
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
