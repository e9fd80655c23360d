// AdmissionReview v1 documents shaped as the Kubernetes API server sends them to a webhook
// (kubernetes/kubernetes staging/src/k8s.io/api/admission/v1/types.go): every member the API
// server writes, including the ones Custody does not read (requestKind, requestResource,
// userInfo.extra, options), so that the parser is exercised on the real shape.

import CustodyJSON
import Foundation

enum AdmissionFixtures {
    static let podUID = "705ab4f5-6393-11e8-b7cc-42010a800002"
    static let deploymentUID = "0df28fbd-5f5f-11e8-bc74-36e6bb280816"
    static let cronJobUID = "b3a1f1a0-1c3d-4a55-9a77-3c1d2e4f5a60"
    static let updateUID = "d2b4c6e8-0a1b-4c3d-8e5f-6a7b8c9d0e1f"
    static let deleteUID = "e5f6a7b8-c9d0-4e1f-9a2b-3c4d5e6f7a8b"

    static let webDigest = "sha256:" + String(repeating: "ab", count: 32)

    /// The pod spec shared by the workloads: two containers (one digest-pinned), an init
    /// container, a config-map volume and an image volume.
    static let podSpec = #"""
        {
          "initContainers": [
            {
              "name": "migrate",
              "image": "registry.example/shop/migrate:1.4",
              "command": ["/bin/migrate", "--up"],
              "resources": {},
              "terminationMessagePath": "/dev/termination-log",
              "terminationMessagePolicy": "File",
              "imagePullPolicy": "IfNotPresent"
            }
          ],
          "containers": [
            {
              "name": "web",
              "image": "registry.example/shop/web:1.4",
              "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
              "env": [{"name": "MODE", "value": "production"}],
              "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
              "volumeMounts": [{"name": "config", "mountPath": "/etc/web"}, {"name": "models", "mountPath": "/models"}],
              "terminationMessagePath": "/dev/termination-log",
              "terminationMessagePolicy": "File",
              "imagePullPolicy": "IfNotPresent"
            },
            {
              "name": "proxy",
              "image": "registry.example/shop/proxy@sha256:abababababababababababababababababababababababababababababababab",
              "resources": {},
              "terminationMessagePath": "/dev/termination-log",
              "terminationMessagePolicy": "File",
              "imagePullPolicy": "IfNotPresent"
            }
          ],
          "volumes": [
            {"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}},
            {"name": "models", "image": {"reference": "registry.example/shop/models:v3", "pullPolicy": "IfNotPresent"}}
          ],
          "restartPolicy": "Always",
          "terminationGracePeriodSeconds": 30,
          "dnsPolicy": "ClusterFirst",
          "serviceAccountName": "web",
          "securityContext": {"runAsNonRoot": true},
          "schedulerName": "default-scheduler"
        }
        """#

    /// The images of ``podSpec`` in the order WorkloadImages reports them, relative to the pod spec.
    static let podSpecSites: [(field: String, name: String, pointer: String, image: String)] = [
        ("containers", "web", "/containers/0/image", "registry.example/shop/web:1.4"),
        ("containers", "proxy", "/containers/1/image", "registry.example/shop/proxy@" + webDigest),
        ("initContainers", "migrate", "/initContainers/0/image", "registry.example/shop/migrate:1.4"),
        ("volumes", "models", "/volumes/1/image/reference", "registry.example/shop/models:v3"),
    ]

    static let userInfo = #"""
        {
          "username": "system:serviceaccount:kube-system:replicaset-controller",
          "uid": "9a0e7d4c-3b2a-4f1e-8d6c-5b4a3f2e1d0c",
          "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
          "extra": {"authentication.kubernetes.io/credential-id": ["JTI=6b1f3c2a-0d9e-4f8b-a7c6-5e4d3c2b1a09"]}
        }
        """#

    static func podObject(name: String = "web-7d4b9c8f6d-x2k9q", spec: String = podSpec) -> String {
        #"""
        {
          "apiVersion": "v1",
          "kind": "Pod",
          "metadata": {
            "name": "\#(name)",
            "generateName": "web-7d4b9c8f6d-",
            "namespace": "shop",
            "uid": "4e3b9d1a-7c2f-4a8e-b5d6-1f0e9c8b7a65",
            "creationTimestamp": null,
            "labels": {"app": "web", "pod-template-hash": "7d4b9c8f6d"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c8f6d", "uid": "8f7e6d5c-4b3a-4291-8a7b-6c5d4e3f2a1b", "controller": true, "blockOwnerDeletion": true}],
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": "2026-03-01T12:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {}}}]
          },
          "spec": \#(spec),
          "status": {}
        }
        """#
    }

    static func deploymentObject(spec: String = podSpec, generation: Int = 1) -> String {
        #"""
        {
          "apiVersion": "apps/v1",
          "kind": "Deployment",
          "metadata": {
            "name": "web",
            "namespace": "shop",
            "generation": \#(generation),
            "labels": {"app": "web"},
            "annotations": {"deployment.kubernetes.io/revision": "1"}
          },
          "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
              "metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
              "spec": \#(spec)
            },
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600
          },
          "status": {}
        }
        """#
    }

    static func cronJobObject(spec: String = podSpec) -> String {
        #"""
        {
          "apiVersion": "batch/v1",
          "kind": "CronJob",
          "metadata": {"name": "nightly-report", "namespace": "shop"},
          "spec": {
            "schedule": "0 2 * * *",
            "concurrencyPolicy": "Forbid",
            "suspend": false,
            "jobTemplate": {
              "metadata": {"creationTimestamp": null},
              "spec": {
                "backoffLimit": 2,
                "template": {
                  "metadata": {"creationTimestamp": null},
                  "spec": \#(spec)
                }
              }
            },
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1
          },
          "status": {}
        }
        """#
    }

    /// A whole AdmissionReview; `object` and `oldObject` are JSON text (`null` for none).
    static func review(
        uid: String, group: String, version: String, kind: String, resource: String, name: String, namespace: String = "shop",
        operation: String, object: String, oldObject: String = "null", dryRun: Bool = false, options: String
    ) -> String {
        #"""
        {
          "kind": "AdmissionReview",
          "apiVersion": "admission.k8s.io/v1",
          "request": {
            "uid": "\#(uid)",
            "kind": {"group": "\#(group)", "version": "\#(version)", "kind": "\#(kind)"},
            "resource": {"group": "\#(group)", "version": "\#(version)", "resource": "\#(resource)"},
            "requestKind": {"group": "\#(group)", "version": "\#(version)", "kind": "\#(kind)"},
            "requestResource": {"group": "\#(group)", "version": "\#(version)", "resource": "\#(resource)"},
            "name": "\#(name)",
            "namespace": "\#(namespace)",
            "operation": "\#(operation)",
            "userInfo": \#(userInfo),
            "object": \#(object),
            "oldObject": \#(oldObject),
            "dryRun": \#(dryRun),
            "options": \#(options)
          }
        }
        """#
    }

    static let createOptions = #"{"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}"#
    static let updateOptions = #"{"apiVersion": "meta.k8s.io/v1", "kind": "UpdateOptions", "fieldManager": "kubectl-client-side-apply"}"#
    static let deleteOptions = #"{"apiVersion": "meta.k8s.io/v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}"#

    static func podCreate(spec: String = podSpec, uid: String = podUID, dryRun: Bool = false) -> String {
        review(
            uid: uid, group: "", version: "v1", kind: "Pod", resource: "pods", name: "web-7d4b9c8f6d-x2k9q", operation: "CREATE",
            object: podObject(spec: spec), dryRun: dryRun, options: createOptions)
    }

    static let deploymentCreate = review(
        uid: deploymentUID, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", name: "web", operation: "CREATE",
        object: deploymentObject(), options: createOptions)

    static let cronJobCreate = review(
        uid: cronJobUID, group: "batch", version: "v1", kind: "CronJob", resource: "cronjobs", name: "nightly-report", operation: "CREATE",
        object: cronJobObject(), options: createOptions)

    /// The web container moves from 1.4 to 1.5; everything else stays.
    static let deploymentUpdate = review(
        uid: updateUID, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", name: "web", operation: "UPDATE",
        object: deploymentObject(spec: podSpec.replacingOccurrences(of: "shop/web:1.4", with: "shop/web:1.5"), generation: 2),
        oldObject: deploymentObject(), options: updateOptions)

    static let podDelete = review(
        uid: deleteUID, group: "", version: "v1", kind: "Pod", resource: "pods", name: "web-7d4b9c8f6d-x2k9q", operation: "DELETE",
        object: "null", oldObject: podObject(), options: deleteOptions)

    /// A minimal review around `request` (JSON text of the request object's members).
    static func minimal(request: String, apiVersion: String = "admission.k8s.io/v1", kind: String = "AdmissionReview") -> String {
        #"{"apiVersion":"\#(apiVersion)","kind":"\#(kind)","request":{\#(request)}}"#
    }

    /// Request members of a valid minimal Pod CREATE, without the ones named in `except`.
    static func requestMembers(
        uid: String = #""0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d""#, operation: String = #""CREATE""#,
        object: String? = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"registry.example/a:1"}]}}"#,
        extra: String = ""
    ) -> String {
        var members = [
            #""uid":\#(uid)"#,
            #""kind":{"group":"","version":"v1","kind":"Pod"}"#,
            #""resource":{"group":"","version":"v1","resource":"pods"}"#,
            #""namespace":"default""#,
            #""operation":\#(operation)"#,
            #""userInfo":{"username":"admin","groups":["system:masters"]}"#,
        ]
        if let object { members.append(#""object":\#(object)"#) }
        if !extra.isEmpty { members.append(extra) }
        return members.joined(separator: ",")
    }

    /// A parsed JSON object (for WorkloadImages).
    static func object(_ text: String) throws -> JSONObject {
        guard case .object(let object) = try JSONParser().parse(Array(text.utf8)) else {
            throw FixtureError("not a JSON object: \(text.prefix(80))")
        }
        return object
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

extension Array where Element == UInt8 {
    init(json text: String) { self = Array(text.utf8) }
}
