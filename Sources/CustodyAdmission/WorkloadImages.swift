import CustodyJSON

/// The workload kinds whose images the webhook verifies, and where their pod spec sits.
///
/// | kind | group | pod spec |
/// |---|---|---|
/// | Pod | core (`""`) | `/spec` |
/// | Deployment, ReplicaSet, StatefulSet, DaemonSet | `apps` | `/spec/template/spec` |
/// | Job | `batch` | `/spec/template/spec` |
/// | CronJob | `batch` | `/spec/jobTemplate/spec/template/spec` |
///
/// (Source: the Kubernetes API reference; `enforcement.md` §0.1.)
public enum WorkloadKind: String, Sendable, Hashable, CaseIterable, Codable {
    case pod = "Pod"
    case deployment = "Deployment"
    case replicaSet = "ReplicaSet"
    case statefulSet = "StatefulSet"
    case daemonSet = "DaemonSet"
    case job = "Job"
    case cronJob = "CronJob"

    /// The API group the kind must come from (`""` for the core group).
    public var group: String {
        switch self {
        case .pod: ""
        case .deployment, .replicaSet, .statefulSet, .daemonSet: "apps"
        case .job, .cronJob: "batch"
        }
    }

    /// The kind of a review, or nil when the webhook does not know it.
    public init?(_ kind: UntrustedAdmissionReview.GroupVersionKind) {
        guard let known = WorkloadKind(rawValue: kind.kind), known.group == kind.group else { return nil }
        self = known
    }

    /// The members leading from the object to its pod spec.
    var podSpecPath: [String] {
        switch self {
        case .pod: ["spec"]
        case .deployment, .replicaSet, .statefulSet, .daemonSet, .job: ["spec", "template", "spec"]
        case .cronJob: ["spec", "jobTemplate", "spec", "template", "spec"]
        }
    }
}

/// One place in an object that names an image.
public struct ImageSite: Sendable, Hashable, Codable {
    /// Which list it is in: `containers`, `initContainers`, `ephemeralContainers`, or `volumes`
    /// (an image volume's `image.reference`).
    public var field: String
    /// The container's or volume's `name`, when it has one.
    public var name: String?
    /// The JSON Pointer (RFC 6901) of the image string, as a JSON Patch names it.
    public var pointer: String
    /// The image reference as written in the object.
    public var image: String

    public init(field: String, name: String?, pointer: String, image: String) {
        self.field = field
        self.name = name
        self.pointer = pointer
        self.image = image
    }
}

/// Finds every image a workload would run.
public enum WorkloadImages {
    /// The most image sites one object may name; more is refused as malformed.
    public static let maxSites = 1024

    /// The images of `object`, a `kind` workload: every `containers`, `initContainers` and
    /// `ephemeralContainers` entry's `image`, and every image volume's `image.reference`: list by
    /// list in that order, and in each list in array order.
    /// - Throws: ``AdmissionError/Code/malformedObject`` when the pod spec is missing or a
    ///   container has no string `image` (Kubernetes requires one; a webhook that skipped it
    ///   would let an unchecked entry through).
    public static func sites(in object: JSONObject, kind: WorkloadKind) throws(AdmissionError) -> [ImageSite] {
        var current = object
        var pointer = ""
        for member in kind.podSpecPath {
            pointer += "/" + member
            guard case .object(let next)? = current[member] else {
                throw AdmissionError(.malformedObject, "the \(kind.rawValue) has no object at \(pointer)")
            }
            current = next
        }
        var sites: [ImageSite] = []
        for field in ["containers", "initContainers", "ephemeralContainers"] {
            let entries = try list(current, field, at: pointer)
            for (position, entry) in entries.enumerated() {
                let at = "\(pointer)/\(field)/\(position)"
                guard case .object(let container) = entry else { throw AdmissionError(.malformedObject, "\(at) is not an object") }
                guard case .string(let image)? = container["image"], !image.isEmpty else {
                    throw AdmissionError(.malformedObject, "\(at) has no image")
                }
                sites.append(ImageSite(field: field, name: nameOf(container), pointer: at + "/image", image: image))
            }
        }
        for (position, entry) in try list(current, "volumes", at: pointer).enumerated() {
            let at = "\(pointer)/volumes/\(position)"
            guard case .object(let volume) = entry else { throw AdmissionError(.malformedObject, "\(at) is not an object") }
            guard let source = volume["image"] else { continue }
            guard case .object(let imageSource) = source, case .string(let reference)? = imageSource["reference"], !reference.isEmpty else {
                throw AdmissionError(.malformedObject, "\(at)/image has no reference")
            }
            sites.append(ImageSite(field: "volumes", name: nameOf(volume), pointer: at + "/image/reference", image: reference))
        }
        guard sites.count <= maxSites else {
            throw AdmissionError(.malformedObject, "the \(kind.rawValue) names \(sites.count) images, over the limit of \(maxSites)")
        }
        return sites
    }

    private static func list(_ spec: JSONObject, _ field: String, at pointer: String) throws(AdmissionError) -> [JSONValue] {
        switch spec[field] {
        case nil, .null?: return []
        case .array(let entries)?: return entries
        default: throw AdmissionError(.malformedObject, "\(pointer)/\(field) is not an array")
        }
    }

    private static func nameOf(_ object: JSONObject) -> String? {
        if case .string(let name)? = object["name"] { return name }
        return nil
    }
}
