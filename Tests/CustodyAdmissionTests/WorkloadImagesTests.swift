// WorkloadImages and WorkloadKind: where each kind keeps its pod spec, every image site
// (containers, initContainers, ephemeralContainers, image volumes) with its exact JSON Pointer,
// name and order, which group/kind pairs are workloads, and the shapes refused as malformed.

import CustodyAdmission
import CustodyJSON
import Testing

@Suite("WorkloadImages: the images of a workload")
struct WorkloadImagesTests {
    typealias F = AdmissionFixtures

    /// An object of `kind` whose pod spec is `spec` (JSON text), at the kind's place.
    static func object(_ kind: WorkloadKind, spec: String) -> String {
        switch kind {
        case .pod:
            return #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":\#(spec)}"#
        case .deployment, .replicaSet, .statefulSet, .daemonSet, .job:
            return #"{"kind":"\#(kind.rawValue)","metadata":{"name":"w"},"spec":{"selector":{},"template":{"metadata":{},"spec":\#(spec)}}}"#
        case .cronJob:
            return #"{"kind":"CronJob","spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":\#(spec)}}}}}"#
        }
    }

    /// Where `kind` keeps its pod spec, as a JSON Pointer.
    static func podSpecPointer(_ kind: WorkloadKind) -> String {
        switch kind {
        case .pod: "/spec"
        case .deployment, .replicaSet, .statefulSet, .daemonSet, .job: "/spec/template/spec"
        case .cronJob: "/spec/jobTemplate/spec/template/spec"
        }
    }

    static func sites(_ kind: WorkloadKind, spec: String) throws -> [ImageSite] {
        try WorkloadImages.sites(in: F.object(object(kind, spec: spec)), kind: kind)
    }

    static func failure(_ kind: WorkloadKind, spec: String) throws -> AdmissionError? {
        let parsed = try F.object(object(kind, spec: spec))
        do throws(AdmissionError) {
            _ = try WorkloadImages.sites(in: parsed, kind: kind)
            return nil
        } catch {
            return error
        }
    }

    static let everyList = #"""
        {
          "volumes": [
            {"name": "data", "emptyDir": {}},
            {"name": "weights", "image": {"reference": "registry.example/ml/weights:7", "pullPolicy": "Always"}},
            {"name": "config", "configMap": {"name": "c"}},
            {"name": "tools", "image": {"reference": "registry.example/ml/tools@sha256:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"}}
          ],
          "initContainers": [
            {"name": "init-a", "image": "registry.example/init/a:1"},
            {"name": "init-b", "image": "registry.example/init/b:2"}
          ],
          "containers": [
            {"name": "app", "image": "registry.example/app/main:3"},
            {"name": "sidecar", "image": "registry.example/app/sidecar:4"},
            {"image": "registry.example/app/unnamed:5"}
          ],
          "ephemeralContainers": [
            {"name": "debugger", "image": "busybox:1.36", "targetContainerName": "app"}
          ]
        }
        """#

    /// The sites of ``everyList`` relative to the pod spec: containers, then initContainers, then
    /// ephemeralContainers, then image volumes, each list in its own order.
    static let everyListSites: [(field: String, name: String?, pointer: String, image: String)] = [
        ("containers", "app", "/containers/0/image", "registry.example/app/main:3"),
        ("containers", "sidecar", "/containers/1/image", "registry.example/app/sidecar:4"),
        ("containers", nil, "/containers/2/image", "registry.example/app/unnamed:5"),
        ("initContainers", "init-a", "/initContainers/0/image", "registry.example/init/a:1"),
        ("initContainers", "init-b", "/initContainers/1/image", "registry.example/init/b:2"),
        ("ephemeralContainers", "debugger", "/ephemeralContainers/0/image", "busybox:1.36"),
        ("volumes", "weights", "/volumes/1/image/reference", "registry.example/ml/weights:7"),
        ("volumes", "tools", "/volumes/3/image/reference", "registry.example/ml/tools@sha256:" + String(repeating: "cd", count: 32)),
    ]

    @Test("every list of every kind, with exact pointers, names and order", arguments: WorkloadKind.allCases)
    func everyKind(_ kind: WorkloadKind) throws {
        let found = try Self.sites(kind, spec: Self.everyList)
        let base = Self.podSpecPointer(kind)
        let expected = Self.everyListSites.map { ImageSite(field: $0.field, name: $0.name, pointer: base + $0.pointer, image: $0.image) }
        #expect(found == expected)
    }

    @Test("the pointers named in the brief, literally")
    func literalPointers() throws {
        let deployment = try Self.sites(.deployment, spec: Self.everyList).map(\.pointer)
        #expect(deployment.contains("/spec/template/spec/initContainers/0/image"))
        #expect(deployment.contains("/spec/template/spec/containers/2/image"))
        #expect(deployment.contains("/spec/template/spec/ephemeralContainers/0/image"))
        let pod = try Self.sites(.pod, spec: Self.everyList).map(\.pointer)
        #expect(pod.contains("/spec/volumes/1/image/reference"))
        #expect(pod.contains("/spec/volumes/3/image/reference"))
        #expect(!pod.contains("/spec/volumes/0/image/reference"))
        let cronJob = try Self.sites(.cronJob, spec: Self.everyList).map(\.pointer)
        #expect(cronJob.first == "/spec/jobTemplate/spec/template/spec/containers/0/image")
    }

    @Test("the fixtures: Pod, Deployment and CronJob objects as the API server sends them")
    func fixtureObjects() throws {
        for (kind, text) in [(WorkloadKind.pod, F.podObject()), (.deployment, F.deploymentObject()), (.cronJob, F.cronJobObject())] {
            let found = try WorkloadImages.sites(in: F.object(text), kind: kind)
            let base = Self.podSpecPointer(kind)
            let expected = F.podSpecSites.map { ImageSite(field: $0.field, name: $0.name, pointer: base + $0.pointer, image: $0.image) }
            #expect(found == expected, "\(kind)")
        }
    }

    @Test("a spec without any list names no image; null lists count as absent")
    func noImages() throws {
        #expect(try Self.sites(.pod, spec: "{}").isEmpty)
        #expect(try Self.sites(.job, spec: #"{"containers":null,"initContainers":[],"volumes":null}"#).isEmpty)
        #expect(try Self.sites(.statefulSet, spec: #"{"volumes":[{"name":"v","secret":{"secretName":"s"}}]}"#).isEmpty)
    }

    @Test("a pod spec at the wrong place is not found: each kind reads its own path")
    func wrongPlace() throws {
        // A Deployment-shaped object read as a Pod: /spec has no containers, so no image, but read
        // as a CronJob it has no /spec/jobTemplate.
        let deployment = try F.object(Self.object(.deployment, spec: Self.everyList))
        #expect(try WorkloadImages.sites(in: deployment, kind: .pod).isEmpty)
        #expect(throws: AdmissionError.self) { try WorkloadImages.sites(in: deployment, kind: .cronJob) }
        #expect(try WorkloadImages.sites(in: deployment, kind: .replicaSet).count == Self.everyListSites.count)
    }

    // MARK: WorkloadKind

    struct KindCase: Sendable, CustomTestStringConvertible {
        let group: String
        let kind: String
        let expected: WorkloadKind?
        var testDescription: String { "\(group.isEmpty ? "core" : group)/\(kind) -> \(expected.map { "\($0)" } ?? "nil")" }
    }

    static let kindCases: [KindCase] = [
        .init(group: "", kind: "Pod", expected: .pod),
        .init(group: "apps", kind: "Deployment", expected: .deployment),
        .init(group: "apps", kind: "ReplicaSet", expected: .replicaSet),
        .init(group: "apps", kind: "StatefulSet", expected: .statefulSet),
        .init(group: "apps", kind: "DaemonSet", expected: .daemonSet),
        .init(group: "batch", kind: "Job", expected: .job),
        .init(group: "batch", kind: "CronJob", expected: .cronJob),
        .init(group: "", kind: "Deployment", expected: nil),
        .init(group: "extensions", kind: "Deployment", expected: nil),
        .init(group: "apps", kind: "Pod", expected: nil),
        .init(group: "apps", kind: "Job", expected: nil),
        .init(group: "", kind: "CronJob", expected: nil),
        .init(group: "batch", kind: "Deployment", expected: nil),
        .init(group: "apps", kind: "ControllerRevision", expected: nil),
        .init(group: "", kind: "pod", expected: nil),
        .init(group: "", kind: "Service", expected: nil),
        .init(group: "argoproj.io", kind: "Rollout", expected: nil),
    ]

    @Test("WorkloadKind(gvk) requires the kind's own group", arguments: kindCases)
    func workloadKind(_ case_: KindCase) {
        #expect(WorkloadKind(UntrustedAdmissionReview.GroupVersionKind(group: case_.group, version: "v1", kind: case_.kind)) == case_.expected)
    }

    @Test("the version does not matter to the kind")
    func anyVersion() {
        #expect(WorkloadKind(.init(group: "batch", version: "v1beta1", kind: "CronJob")) == .cronJob)
        #expect(WorkloadKind(.init(group: "apps", version: "", kind: "Deployment")) == .deployment)
    }

    @Test("each kind's group")
    func groups() {
        #expect(WorkloadKind.allCases.map(\.group) == ["", "apps", "apps", "apps", "apps", "batch", "batch"])
    }

    // MARK: Malformed objects

    struct Malformed: Sendable, CustomTestStringConvertible {
        let why: String
        let kind: WorkloadKind
        let spec: String
        /// Text the reason must contain (usually the pointer).
        let mentions: String
        var testDescription: String { why }
    }

    static let malformed: [Malformed] = [
        .init(why: "container without image", kind: .pod, spec: #"{"containers":[{"name":"a","image":"x:1"},{"name":"b"}]}"#, mentions: "/spec/containers/1"),
        .init(why: "container with an empty image", kind: .deployment, spec: #"{"containers":[{"name":"a","image":""}]}"#, mentions: "/spec/template/spec/containers/0"),
        .init(why: "container with a null image", kind: .job, spec: #"{"containers":[{"name":"a","image":null}]}"#, mentions: "/spec/template/spec/containers/0"),
        .init(why: "container with a numeric image", kind: .pod, spec: #"{"containers":[{"name":"a","image":7}]}"#, mentions: "/spec/containers/0"),
        .init(why: "init container without image", kind: .statefulSet, spec: #"{"initContainers":[{"name":"i"}],"containers":[{"image":"x:1"}]}"#, mentions: "/spec/template/spec/initContainers/0"),
        .init(why: "ephemeral container without image", kind: .pod, spec: #"{"ephemeralContainers":[{"name":"d"}]}"#, mentions: "/spec/ephemeralContainers/0"),
        .init(why: "containers not an array", kind: .pod, spec: #"{"containers":{"name":"a","image":"x:1"}}"#, mentions: "/spec/containers"),
        .init(why: "initContainers a string", kind: .daemonSet, spec: #"{"initContainers":"x:1"}"#, mentions: "/spec/template/spec/initContainers"),
        .init(why: "container not an object", kind: .pod, spec: #"{"containers":["registry.example/a:1"]}"#, mentions: "/spec/containers/0"),
        .init(why: "volumes not an array", kind: .pod, spec: #"{"volumes":{}}"#, mentions: "/spec/volumes"),
        .init(why: "volume not an object", kind: .replicaSet, spec: #"{"volumes":[null]}"#, mentions: "/spec/template/spec/volumes/0"),
        .init(why: "image volume without reference", kind: .pod, spec: #"{"volumes":[{"name":"v","image":{"pullPolicy":"Always"}}]}"#, mentions: "/spec/volumes/0/image"),
        .init(why: "image volume with an empty reference", kind: .cronJob, spec: #"{"volumes":[{"name":"a","emptyDir":{}},{"name":"v","image":{"reference":""}}]}"#, mentions: "/spec/jobTemplate/spec/template/spec/volumes/1/image"),
        .init(why: "image volume source not an object", kind: .pod, spec: #"{"volumes":[{"name":"v","image":"registry.example/a:1"}]}"#, mentions: "/spec/volumes/0/image"),
        .init(why: "image volume source null", kind: .pod, spec: #"{"volumes":[{"name":"v","image":null}]}"#, mentions: "/spec/volumes/0/image"),
    ]

    @Test("malformed shapes are refused, naming the place", arguments: malformed)
    func rejects(_ case_: Malformed) throws {
        let error = try #require(try Self.failure(case_.kind, spec: case_.spec), "\(case_.why) was accepted")
        #expect(error.code == .malformedObject)
        #expect(error.reason.contains(case_.mentions), "\(error.reason)")
    }

    @Test("a missing or non-object pod spec is refused for every kind", arguments: WorkloadKind.allCases)
    func missingPodSpec(_ kind: WorkloadKind) throws {
        let path = Self.podSpecPointer(kind).split(separator: "/").map(String.init)
        func nest(_ inner: String) -> String {
            path.dropLast().reversed().reduce(inner) { inner, member in #"{"\#(member)":\#(inner)}"# }
        }
        // Every member but the last exists; the last is missing, then a string, then an array.
        let missing = nest("{}")
        let notObject = nest(#"{"\#(path.last!)":"not a spec"}"#)
        let array = nest(#"{"\#(path.last!)":[]}"#)
        // The control: with an object there, the same nesting is read.
        #expect(try WorkloadImages.sites(in: F.object(nest(#"{"\#(path.last!)":{}}"#)), kind: kind).isEmpty)
        for text in [missing, notObject, array, "{}"] {
            do {
                _ = try WorkloadImages.sites(in: F.object(text), kind: kind)
                Issue.record("\(kind) accepted \(text)")
            } catch let error as AdmissionError {
                #expect(error.code == .malformedObject)
                #expect(error.reason.contains(kind.rawValue))
            }
        }
    }

    @Test("at most maxSites images: exactly maxSites is accepted, one more is refused")
    func maxSites() throws {
        func spec(containers: Int, volumes: Int) -> String {
            let list = (0..<containers).map { #"{"name":"c\#($0)","image":"registry.example/a:\#($0)"}"# }.joined(separator: ",")
            let images = (0..<volumes).map { #"{"name":"v\#($0)","image":{"reference":"registry.example/v:\#($0)"}}"# }.joined(separator: ",")
            return #"{"containers":[\#(list)],"volumes":[\#(images)]}"#
        }
        let limit = WorkloadImages.maxSites
        #expect(try Self.sites(.pod, spec: spec(containers: limit, volumes: 0)).count == limit)
        #expect(try Self.sites(.pod, spec: spec(containers: limit - 1, volumes: 1)).count == limit)
        let over = try #require(try Self.failure(.pod, spec: spec(containers: limit, volumes: 1)))
        #expect(over.code == .malformedObject)
        #expect(over.reason.contains("\(limit + 1)"))
        #expect(try Self.failure(.deployment, spec: spec(containers: limit + 1, volumes: 0))?.code == .malformedObject)
    }

    @Test("the same image at several places is reported at each")
    func repeatedImage() throws {
        let found = try Self.sites(.pod, spec: #"{"containers":[{"name":"a","image":"x:1"},{"name":"b","image":"x:1"}],"initContainers":[{"name":"i","image":"x:1"}]}"#)
        #expect(found.map(\.pointer) == ["/spec/containers/0/image", "/spec/containers/1/image", "/spec/initContainers/0/image"])
        #expect(Set(found.map(\.image)) == ["x:1"])
    }
}
