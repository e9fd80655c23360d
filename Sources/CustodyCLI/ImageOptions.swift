import ArgumentParser
import CustodyOCI
import CustodyStores

/// The image argument and registry flags shared by commands that read one image.
public struct ImageOptions: ParsableArguments {
    @Argument(help: "The image: docker://REF, oci:DIR[:REF] or dir:DIR.")
    public var image: String

    @OptionGroup var registry: RegistryOptionGroup

    public init() {}

    /// The parsed image name.
    func name() throws -> ImageName { try ImageName(parsing: image) }

    /// Opens the image for reading, with no signature stores.
    func openSource() throws -> any ImageSource {
        try ImageTransport(options: try registry.registryOptions()).openSource(try name(), lookasideSignatures: false, attachments: false)
    }
}
