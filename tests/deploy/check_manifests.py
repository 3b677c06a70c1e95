#!/usr/bin/env python3
"""Checks every manifest under deploy/: it parses as YAML, passes the Kubernetes API schema
(k8s_schema.py) or, for the OpenShift kinds, our own schema, and keeps the rules sctpkit's
deployment depends on (docs/openshift.md). Kustomizations are rendered with `kubectl kustomize`
when kubectl is installed, and what they render is checked the same way.

    check_manifests.py DEPLOY_DIR        exit 0 if all is well, 1 with one line per problem
"""
import base64
import pathlib
import re
import shutil
import subprocess
import sys
import urllib.parse

import yaml

import k8s_schema

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
# RBAC object names may hold colons (system:openshift:scc:...).
RBAC_KINDS = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "MachineConfig",
                  "SecurityContextConstraints"}
PROTOCOLS = {"TCP", "UDP", "SCTP"}
# Raw IP mode is the one mode that needs a capability (design.md section 2, net/).
ALLOWED_ADDED_CAPABILITIES = {"NET_RAW"}
LINKTEST_PORT = 30102


def load(path):
    """Returns the documents of a YAML file, or raises yaml.YAMLError."""
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# --- checks of one object ------------------------------------------------------------------------

def check_metadata(doc, where, errors):
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        errors.append(f"{where}: metadata.name is missing")
        return
    name = meta["name"]
    pattern = re.compile(r"^[a-z0-9:]([-a-z0-9.:]*[a-z0-9])?$") if doc.get("kind") in RBAC_KINDS \
        else DNS_SUBDOMAIN
    if len(name) > 253 or not pattern.match(name):
        errors.append(f"{where}: metadata.name '{name}' is not a valid object name")
    if doc.get("kind") in CLUSTER_SCOPED:
        if "namespace" in meta:
            errors.append(f"{where}: {doc['kind']} is cluster-scoped but has a namespace")
    elif doc.get("kind") != "Kustomization" and not meta.get("namespace"):
        errors.append(f"{where}: namespaced object without metadata.namespace")


def check_container(c, where, host_network, errors):
    if not c.get("image"):
        errors.append(f"{where}: container has no image")
    if not c.get("command") and not c.get("args"):
        errors.append(f"{where}: container has neither command nor args")
    if c.get("name") and not DNS_LABEL.match(c["name"]):
        errors.append(f"{where}: container name '{c['name']}' is not a DNS label")
    for i, port in enumerate(c.get("ports") or []):
        p = f"{where}.ports[{i}]"
        if port.get("protocol") not in PROTOCOLS:
            errors.append(f"{p}: protocol must be set to one of {sorted(PROTOCOLS)}")
        if not isinstance(port.get("containerPort"), int) or not 1 <= port["containerPort"] <= 65535:
            errors.append(f"{p}: containerPort out of range")
        # With hostNetwork the API rejects a hostPort that differs from the containerPort.
        if host_network and port.get("hostPort", port.get("containerPort")) != port.get("containerPort"):
            errors.append(f"{p}: with hostNetwork, hostPort must equal containerPort")
    sc = c.get("securityContext") or {}
    caps = sc.get("capabilities") or {}
    if "ALL" not in (caps.get("drop") or []):
        errors.append(f"{where}: securityContext.capabilities.drop must hold ALL")
    extra = set(caps.get("add") or []) - ALLOWED_ADDED_CAPABILITIES
    if extra:
        errors.append(f"{where}: adds capabilities {sorted(extra)}; only NET_RAW (raw mode) is needed")
    if sc.get("privileged"):
        errors.append(f"{where}: privileged containers are never needed")
    if sc.get("allowPrivilegeEscalation") is not False:
        errors.append(f"{where}: securityContext.allowPrivilegeEscalation must be false")


def check_pod_spec(spec, where, errors, restart_policies=None):
    if not isinstance(spec, dict):
        errors.append(f"{where}: pod spec missing")
        return
    containers = spec.get("containers") or []
    if not containers:
        errors.append(f"{where}: pod spec has no containers")
    host_network = bool(spec.get("hostNetwork"))
    names = set()
    for kind in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(kind) or []):
            check_container(c, f"{where}.{kind}[{i}]", host_network, errors)
            if c.get("name") in names:
                errors.append(f"{where}: container name '{c.get('name')}' used twice")
            names.add(c.get("name"))
    if host_network and spec.get("dnsPolicy") != "ClusterFirstWithHostNet":
        errors.append(f"{where}: hostNetwork pods need dnsPolicy ClusterFirstWithHostNet "
                      "to resolve cluster names")
    pod_sc = spec.get("securityContext") or {}
    if (pod_sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        errors.append(f"{where}: securityContext.seccompProfile.type must be RuntimeDefault")
    if restart_policies is not None and spec.get("restartPolicy") not in restart_policies:
        errors.append(f"{where}: restartPolicy must be one of {sorted(restart_policies)}")
    volumes = {v.get("name") for v in spec.get("volumes") or []}
    for kind in ("initContainers", "containers"):
        for c in spec.get(kind) or []:
            for m in c.get("volumeMounts") or []:
                if m.get("name") not in volumes:
                    errors.append(f"{where}: container '{c.get('name')}' mounts unknown volume "
                                  f"'{m.get('name')}'")


def labels_match(selector, labels):
    return bool(selector) and all((labels or {}).get(k) == v for k, v in selector.items())


def check_workload(doc, where, errors):
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "Pod":
        check_pod_spec(spec, where + ".spec", errors)
    elif kind == "DaemonSet":
        template = spec.get("template") or {}
        selector = (spec.get("selector") or {}).get("matchLabels")
        if not labels_match(selector, (template.get("metadata") or {}).get("labels")):
            errors.append(f"{where}: spec.selector.matchLabels does not match the template's labels")
        check_pod_spec(template.get("spec"), where + ".spec.template.spec", errors,
                       restart_policies={None, "Always"})
    elif kind == "Job":
        template = spec.get("template") or {}
        # The API accepts only Never or OnFailure for a Job's pods.
        check_pod_spec(template.get("spec"), where + ".spec.template.spec", errors,
                       restart_policies={"Never", "OnFailure"})
        if "backoffLimit" not in spec:
            errors.append(f"{where}: spec.backoffLimit must be set (the default retries 6 times)")
    elif kind == "Service":
        ports = spec.get("ports") or []
        if not ports:
            errors.append(f"{where}: Service has no ports")
        if not spec.get("selector"):
            errors.append(f"{where}: Service has no selector")
        for i, port in enumerate(ports):
            if port.get("protocol") not in PROTOCOLS:
                errors.append(f"{where}.spec.ports[{i}]: protocol must be set to one of "
                              f"{sorted(PROTOCOLS)}")
            if len(ports) > 1 and not port.get("name"):
                errors.append(f"{where}.spec.ports[{i}]: a Service with several ports names each")


# --- OpenShift kinds, which python3-kubernetes does not model --------------------------------------

IGNITION_FILE_FIELDS = {"path", "mode", "overwrite", "contents", "user", "group", "append"}


def data_url_text(source):
    """Decodes an RFC 2397 data URL as Ignition does, or returns None if it is not one."""
    if not isinstance(source, str) or not source.startswith("data:") or "," not in source:
        return None
    header, payload = source[5:].split(",", 1)
    if header.endswith(";base64"):
        try:
            return base64.b64decode(payload, validate=True).decode()
        except ValueError:
            return None
    return urllib.parse.unquote(payload)


def check_machine_config(doc, where, errors):
    if doc.get("apiVersion") != "machineconfiguration.openshift.io/v1":
        errors.append(f"{where}: MachineConfig needs apiVersion machineconfiguration.openshift.io/v1")
    labels = (doc.get("metadata") or {}).get("labels") or {}
    if labels.get("machineconfiguration.openshift.io/role") not in ("worker", "master"):
        errors.append(f"{where}: label machineconfiguration.openshift.io/role must name a pool")
    config = (doc.get("spec") or {}).get("config") or {}
    version = str((config.get("ignition") or {}).get("version", ""))
    # The MCO of OpenShift 4.6 and later takes Ignition spec 3.x.
    if not re.match(r"^3\.[0-9]+\.[0-9]+$", version):
        errors.append(f"{where}: spec.config.ignition.version must be 3.x.y, got '{version}'")
    files = ((config.get("storage") or {}).get("files")) or []
    if not files:
        errors.append(f"{where}: no spec.config.storage.files")
    contents = {}
    for i, f in enumerate(files):
        p = f"{where}.spec.config.storage.files[{i}]"
        unknown = set(f) - IGNITION_FILE_FIELDS
        if unknown:
            errors.append(f"{p}: unknown Ignition file fields {sorted(unknown)}")
        if not str(f.get("path", "")).startswith("/"):
            errors.append(f"{p}: path must be absolute")
        mode = f.get("mode")
        # Ignition takes the mode as a decimal integer (420 is 0644); a string is rejected.
        if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o7777:
            errors.append(f"{p}: mode must be an integer file mode, got {mode!r}")
        elif mode & 0o022:
            errors.append(f"{p}: mode {oct(mode)} lets others write a boot-time config file")
        text = data_url_text((f.get("contents") or {}).get("source"))
        if text is None:
            errors.append(f"{p}: contents.source must be a data: URL")
        contents[f.get("path")] = text
    return contents


SCC_FIELDS = {
    "apiVersion", "kind", "metadata", "allowHostDirVolumePlugin", "allowHostIPC",
    "allowHostNetwork", "allowHostPID", "allowHostPorts", "allowPrivilegeEscalation",
    "allowPrivilegedContainer", "allowedCapabilities", "allowedFlexVolumes", "allowedUnsafeSysctls",
    "defaultAddCapabilities", "defaultAllowPrivilegeEscalation", "forbiddenSysctls", "fsGroup",
    "groups", "priority", "readOnlyRootFilesystem", "requiredDropCapabilities", "runAsUser",
    "seLinuxContext", "seccompProfiles", "supplementalGroups", "users", "volumes",
}
SCC_REQUIRED = {"allowHostDirVolumePlugin", "allowHostIPC", "allowHostNetwork", "allowHostPID",
                "allowHostPorts", "allowPrivilegedContainer", "readOnlyRootFilesystem"}


def check_scc(doc, where, errors):
    if doc.get("apiVersion") != "security.openshift.io/v1":
        errors.append(f"{where}: SecurityContextConstraints needs apiVersion security.openshift.io/v1")
    for key in sorted(set(doc) - SCC_FIELDS):
        errors.append(f"{where}: unknown SecurityContextConstraints field '{key}'")
    for key in sorted(SCC_REQUIRED - set(doc)):
        errors.append(f"{where}: required SecurityContextConstraints field '{key}' is missing")
    if doc.get("allowPrivilegedContainer"):
        errors.append(f"{where}: the SCC must not allow privileged containers")
    extra = set(doc.get("allowedCapabilities") or []) - ALLOWED_ADDED_CAPABILITIES
    if extra:
        errors.append(f"{where}: the SCC allows capabilities {sorted(extra)} beyond NET_RAW")


def check_kustomization(doc, path, where, errors):
    for res in doc.get("resources") or []:
        if not (path.parent / res).exists():
            errors.append(f"{where}: resource '{res}' does not exist")


# --- whole files and the deployment as a whole ---------------------------------------------------

def check_document(doc, where, errors):
    """Checks one object; returns its kind."""
    if not isinstance(doc, dict):
        errors.append(f"{where}: a manifest must be a map")
        return None
    for key in ("apiVersion", "kind"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            errors.append(f"{where}: {key} is missing")
            return None
    kind = doc["kind"]
    if kind == "Kustomization":
        return kind
    check_metadata(doc, where, errors)
    before = len(errors)
    if k8s_schema.check_object(doc, where, errors):
        # The rules below read typed fields: only an object that fits the schema gets them.
        if len(errors) == before:
            check_workload(doc, where, errors)
    elif kind == "MachineConfig":
        check_machine_config(doc, where, errors)
    elif kind == "SecurityContextConstraints":
        check_scc(doc, where, errors)
    else:
        errors.append(f"{where}: no schema for {doc['apiVersion']} {kind}")
    return kind


def check_references(objects, errors):
    """Cross-object rules: names that must point at objects of the same deployment."""
    by_kind = {}
    for where, doc in objects:
        by_kind.setdefault(doc.get("kind"), []).append((where, doc))
    names = {(d.get("kind"), (d.get("metadata") or {}).get("name")) for _, d in objects}
    pods = [d for _, d in by_kind.get("Pod", [])] + \
           [(d.get("spec") or {}).get("template") or {} for _, d in by_kind.get("DaemonSet", [])]
    for where, svc in by_kind.get("Service", []):
        selector = (svc.get("spec") or {}).get("selector")
        if not any(labels_match(selector, (p.get("metadata") or {}).get("labels")) for p in pods):
            errors.append(f"{where}: the Service selects no pod of this deployment")
    for where, rb in by_kind.get("RoleBinding", []):
        ref = rb.get("roleRef") or {}
        if ref.get("kind") == "Role" and ("Role", ref.get("name")) not in names:
            errors.append(f"{where}: roleRef names Role '{ref.get('name')}', not defined here")
        for s in rb.get("subjects") or []:
            if s.get("kind") == "ServiceAccount" and not s.get("namespace"):
                errors.append(f"{where}: a ServiceAccount subject needs its namespace")
    for kind in ("DaemonSet", "Job"):
        for where, doc in by_kind.get(kind, []):
            sa = (((doc.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
                "serviceAccountName")
            if sa and ("ServiceAccount", sa) not in names:
                errors.append(f"{where}: serviceAccountName '{sa}' is not defined here")


def find(objects, kind, name):
    for where, doc in objects:
        if doc.get("kind") == kind and (doc.get("metadata") or {}).get("name") == name:
            return where, doc
    return None, None


def pod_containers(doc):
    spec = doc.get("spec") or {}
    if doc.get("kind") in ("DaemonSet", "Job"):
        spec = (spec.get("template") or {}).get("spec") or {}
    return spec.get("containers") or []


def check_openshift_set(directory, objects, errors):
    """The pieces issue 6 asks for, with the commands the CLI spec gives them."""
    mcs = [(w, d) for w, d in objects if d.get("kind") == "MachineConfig"]
    if len(mcs) != 1:
        errors.append(f"{directory}: expected one MachineConfig, found {len(mcs)}")
    else:
        files = check_machine_config(mcs[0][1], mcs[0][0], [])
        if files.get("/etc/modprobe.d/sctp-blacklist.conf") is None or \
                files["/etc/modprobe.d/sctp-blacklist.conf"].strip():
            errors.append(f"{mcs[0][0]}: must override /etc/modprobe.d/sctp-blacklist.conf with an "
                          "empty file")
        if (files.get("/etc/modules-load.d/sctp-load.conf") or "").split() != ["sctp"]:
            errors.append(f"{mcs[0][0]}: /etc/modules-load.d/sctp-load.conf must load 'sctp'")
    expect = {
        ("Pod", "sctp-server"): ["linktest", "--serve", str(LINKTEST_PORT)],
        ("Pod", "sctp-client"): ["linktest", "sctp-server", str(LINKTEST_PORT)],
        ("DaemonSet", "sctpkit-agent"): ["linktest", "--serve", str(LINKTEST_PORT)],
    }
    for (kind, name), args in expect.items():
        where, doc = find(objects, kind, name)
        if doc is None:
            errors.append(f"{directory}: no {kind} {name}")
            continue
        got = (pod_containers(doc) or [{}])[0].get("args") or []
        if got[:len(args)] != args:
            errors.append(f"{where}: runs {got}, the CLI spec says {args}")
    where, svc = find(objects, "Service", "sctp-server")
    if svc is None or not any(p.get("protocol") == "SCTP" and p.get("port") == LINKTEST_PORT
                              for p in (svc.get("spec") or {}).get("ports") or []):
        errors.append(f"{directory}: Service sctp-server must carry SCTP port {LINKTEST_PORT}")
    where, ds = find(objects, "DaemonSet", "sctpkit-agent")
    if ds is not None and not (((ds.get("spec") or {}).get("template") or {}).get("spec") or
                               {}).get("hostNetwork"):
        errors.append(f"{where}: the agents must use the host network to test node to node")
    where, job = find(objects, "Job", "sctpkit-matrix")
    if job is None:
        errors.append(f"{directory}: no Job sctpkit-matrix")
    else:
        text = " ".join(" ".join(c.get("command") or []) + " " + " ".join(c.get("args") or [])
                        for c in pod_containers(job))
        if "sctpkit linktest --matrix" not in text:
            errors.append(f"{where}: the Job must run `sctpkit linktest --matrix`")
        # --peers-file must name the file the discovery init container writes.
        words = [w for c in pod_containers(job) for w in (c.get("command") or []) + (c.get("args") or [])]
        if "--peers-file" in words:
            i = words.index("--peers-file")
            path = words[i + 1] if i + 1 < len(words) else ""
            inits = (((job.get("spec") or {}).get("template") or {}).get("spec") or {}).get("initContainers") or []
            written = " ".join(" ".join((c.get("command") or []) + (c.get("args") or [])) for c in inits)
            if not path or not re.search(r">\s*" + re.escape(path) + r"(\s|$)", written):
                errors.append(f"{where}: the Job reads its peers from '{path}', which no init container writes")


def check_tree(deploy_dir):
    """Checks every manifest under deploy_dir; returns the list of problems."""
    deploy_dir = pathlib.Path(deploy_dir)
    errors = []
    files = sorted(deploy_dir.rglob("*.yaml")) + sorted(deploy_dir.rglob("*.yml"))
    if not files:
        return [f"{deploy_dir}: no manifests"]
    per_dir = {}
    for path in files:
        try:
            docs = load(path)
        except yaml.YAMLError as e:
            errors.append(f"{path}: not YAML: {e}")
            continue
        if not docs:
            errors.append(f"{path}: empty")
        for i, doc in enumerate(docs):
            where = f"{path.relative_to(deploy_dir)}#{i}"
            kind = check_document(doc, where, errors)
            if kind == "Kustomization":
                check_kustomization(doc, path, where, errors)
            elif kind:
                per_dir.setdefault(path.parent, []).append((where, doc))
    for directory, objects in per_dir.items():
        check_references(objects, errors)
        if directory.name == "openshift":
            check_openshift_set(directory.relative_to(deploy_dir), objects, errors)
    errors += check_renders(deploy_dir)
    return errors


def check_renders(deploy_dir):
    """Renders each kustomization and checks the result, if kubectl (with kustomize) is here."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        print("check_manifests: kubectl not installed, kustomizations not rendered")
        return []
    errors = []
    for kfile in sorted(pathlib.Path(deploy_dir).rglob("kustomization.yaml")):
        where = str(kfile.parent.relative_to(deploy_dir))
        run = subprocess.run([kubectl, "kustomize", str(kfile.parent)], capture_output=True,
                             text=True, check=False)
        if run.returncode != 0:
            errors.append(f"{where}: kubectl kustomize failed: {run.stderr.strip()}")
            continue
        objects = []
        for i, doc in enumerate(yaml.safe_load_all(run.stdout)):
            w = f"{where} (rendered)#{i}"
            if check_document(doc, w, errors):
                objects.append((w, doc))
        check_references(objects, errors)
        print(f"check_manifests: {where} renders {len(objects)} objects")
    return errors


def main(argv):
    if len(argv) != 2:
        print("usage: check_manifests.py DEPLOY_DIR", file=sys.stderr)
        return 2
    errors = check_tree(argv[1])
    for e in errors:
        print(e)
    print(f"check_manifests: {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
