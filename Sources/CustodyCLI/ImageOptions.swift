import ArgumentParser
import CustodyOCI

/// The image argument shared by commands that read one image.
public struct ImageOptions: ParsableArguments {
    @Argument(help: "The image: oci:DIR[:REF] or dir:DIR.")
    public var image: String

    public init() {}

    /// Opens the image for reading.
    /// - Throws: ``OCIError`` when the name is malformed or names an unsupported transport.
    func openSource() throws -> any ImageSource {
        try ImageName(parsing: image).openSource()
    }
}
