import Foundation
import ArgumentParser
import CustodyOCI
import CustodyStores

/// Where signatures are read or written: `--lookaside` or `--registries.d`, else the `dir:` image itself.
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

    /// The store for an image: the explicit lookaside, the registries.d lookaside for `identity`,
    /// or the signature files of a `dir:` image.
    func store(for image: ImageName, identity: ImageReference, forWriting: Bool) throws -> any SignatureStore {
        if let lookaside {
            return try LookasideStore(base: lookaside.contains("://") ? lookaside : "file://" + absolute(lookaside))
        }
        if let registriesDirectory {
            let configuration = try RegistriesConfiguration(directory: registriesDirectory)
            guard let location = configuration.lookaside(for: identity, forWriting: forWriting) else {
                throw ValidationError("no lookaside for \(identity) in \(registriesDirectory)")
            }
            return try LookasideStore(base: location.url)
        }
        if case .directory(let path) = image { return DirectorySignatureStore(path: path) }
        throw ValidationError("\(image) holds no signatures: name a store with --lookaside or --registries.d")
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
