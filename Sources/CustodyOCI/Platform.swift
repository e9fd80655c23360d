/// The platform an image runs on: operating system, architecture and variant.
public struct Platform: Sendable, Hashable, Codable, CustomStringConvertible {
    /// CPU architecture, as Go's `GOARCH` (`amd64`, `arm64`, `ppc64le`…).
    public var architecture: String
    /// Operating system, as Go's `GOOS` (`linux`, `windows`…).
    public var os: String
    /// Operating system version (Windows images).
    public var osVersion: String?
    /// Required operating system features (Windows images).
    public var osFeatures: [String]?
    /// CPU variant (`v7`, `v8`…).
    public var variant: String?
    /// Reserved by the OCI spec.
    public var features: [String]?

    /// Makes a platform.
    public init(os: String, architecture: String, variant: String? = nil, osVersion: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
        self.osVersion = osVersion
    }

    private enum CodingKeys: String, CodingKey {
        case architecture, os, variant, features
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    /// Parses `os/architecture[/variant]`.
    /// - Returns: `nil` when the text does not have two or three non-empty parts.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// `os/architecture[/variant]`.
    public var description: String {
        [os, architecture, variant].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "/")
    }

    /// The variant with the defaults containers/image assumes: `arm64` means `v8`, `arm` means `v7`.
    var normalizedVariant: String? {
        if let variant, !variant.isEmpty { return variant }
        switch architecture {
        case "arm64": return "v8"
        case "arm": return "v7"
        default: return nil
        }
    }

    /// Whether an image for `self` satisfies a request for `wanted`: same OS and architecture, and
    /// the same variant when `wanted` names one (after defaulting `arm64` to `v8`, `arm` to `v7`).
    public func satisfies(_ wanted: Platform) -> Bool {
        guard os == wanted.os, architecture == wanted.architecture else { return false }
        guard wanted.variant != nil else { return true }
        return normalizedVariant == wanted.normalizedVariant
    }

    /// The platform this program was built for, as Go names it.
    public static var current: Platform {
        #if arch(x86_64)
        let arch = "amd64"
        #elseif arch(arm64)
        let arch = "arm64"
        #else
        let arch = "unknown"
        #endif
        #if os(Linux)
        let os = "linux"
        #elseif os(macOS)
        let os = "darwin"
        #else
        let os = "unknown"
        #endif
        return Platform(os: os, architecture: arch)
    }
}
