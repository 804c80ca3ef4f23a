"""`podman run` arguments for a DaemonSet's pod on this node, derived field by
field from the manifest, so a test runs the image as the manifest says.

Every field is either mapped to podman's flag, or named below with why it
has nothing to map to here; any other field raises Unmapped, so a field
added to the manifest cannot go untested silently. The node stands in for
Kubernetes: its address, the host paths it swaps for private ones, and the
free port that replaces the manifest's container port."""
import json
import re
from dataclasses import dataclass, field


class Unmapped(Exception):
    """A manifest field this mapping does not know."""


@dataclass
class Node:
    host_ip: str
    node_name: str
    port: int  # replaces the manifest's container port (tests never take fixed ports)
    host_paths: dict = field(default_factory=dict)  # node path -> the path standing in for it
    images: dict = field(default_factory=dict)  # manifest image -> the local tag standing in for it


@dataclass
class Pod:
    argv: list  # podman run's arguments, image and command line included
    probe_path: str
    probe_port: int
    container_port: int
    image: str
    capabilities: list  # added, without CAP_


def known(obj, where, keys):
    extra = sorted(set(obj) - set(keys))
    if extra:
        raise Unmapped(f"{where}: {', '.join(extra)}: no podman mapping known")
    return obj


def quantity(text, where):
    """A Kubernetes quantity (512Mi, 1G, 100m) as a number."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?", str(text))
    if not m:
        raise Unmapped(f"{where}: quantity {text!r}")
    scale = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[m.group(2)]
    return float(m.group(1)) * scale


def expand(text, env):
    """Kubernetes' $(VAR) expansion of command and args; $$ is a literal $."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


def env_value(var, node):
    known(var, f"env {var.get('name')}", ("name", "value", "valueFrom"))
    if "value" in var:
        return str(var["value"])
    source = known(var["valueFrom"], "env valueFrom", ("fieldRef",))
    ref = known(source["fieldRef"], "env fieldRef", ("fieldPath", "apiVersion"))
    paths = {"status.hostIP": node.host_ip, "spec.nodeName": node.node_name}
    if ref["fieldPath"] not in paths:
        raise Unmapped(f"env fieldRef {ref['fieldPath']}: no podman mapping known")
    return paths[ref["fieldPath"]]


def security_flags(sc):
    known(sc, "securityContext", ("readOnlyRootFilesystem", "allowPrivilegeEscalation",
                                  "capabilities", "seccompProfile"))
    flags = []
    if sc.get("readOnlyRootFilesystem"):
        # Kubernetes mounts no tmpfs on /run or /tmp, podman would.
        flags += ["--read-only", "--read-only-tmpfs=false"]
    if sc.get("allowPrivilegeEscalation") is False:
        flags.append("--security-opt=no-new-privileges")
    caps = known(sc.get("capabilities", {}), "capabilities", ("add", "drop"))
    flags += [f"--cap-drop={c if c == 'ALL' else 'CAP_' + c}" for c in caps.get("drop", [])]
    flags += [f"--cap-add=CAP_{c}" for c in caps.get("add", [])]
    seccomp = known(sc.get("seccompProfile", {"type": "Unconfined"}), "seccompProfile", ("type",))
    # RuntimeDefault: the runtime's own profile, podman's here. Unconfined:
    # what a pod without a profile gets from a kubelet's defaults.
    if seccomp["type"] == "Unconfined":
        flags.append("--security-opt=seccomp=unconfined")
    elif seccomp["type"] != "RuntimeDefault":
        raise Unmapped(f"seccompProfile {seccomp['type']}: no podman mapping known")
    return flags, caps.get("add", [])


def resource_flags(res):
    known(res, "resources", ("requests", "limits"))
    requests = known(res.get("requests", {}), "requests", ("cpu", "memory"))
    limits = known(res.get("limits", {}), "limits", ("cpu", "memory"))
    flags = []
    # The kubelet's cgroup v1 cpu.shares for a request (memory requests only schedule).
    if "cpu" in requests:
        flags.append(f"--cpu-shares={max(2, int(quantity(requests['cpu'], 'cpu') * 1024))}")
    if "cpu" in limits:
        flags.append(f"--cpus={quantity(limits['cpu'], 'cpu')}")
    if "memory" in limits:
        flags.append(f"--memory={int(quantity(limits['memory'], 'memory'))}b")
    return flags


def volume_flags(mounts, volumes, node):
    by_name = {v["name"]: v for v in volumes}
    flags = []
    for m in mounts:
        known(m, f"volumeMount {m.get('name')}", ("name", "mountPath", "readOnly"))
        vol = by_name.pop(m["name"])
        known(vol, f"volume {vol['name']}", ("name", "hostPath", "emptyDir"))
        ro = ",ro" if m.get("readOnly") else ""
        if "hostPath" in vol:
            hp = known(vol["hostPath"], f"volume {vol['name']} hostPath", ("path", "type"))
            if hp["path"] not in node.host_paths:
                raise Unmapped(f"hostPath {hp['path']}: the test names nothing to stand in for it")
            source = node.host_paths[hp["path"]]
            if hp.get("type", "Directory") != "Directory":
                raise Unmapped(f"hostPath type {hp['type']}: no podman mapping known")
            flags.append(f"--mount=type=bind,source={source},destination={m['mountPath']}{ro}")
        else:
            ed = known(vol["emptyDir"] or {}, f"volume {vol['name']} emptyDir",
                       ("medium", "sizeLimit"))
            if ed.get("medium") != "Memory":
                raise Unmapped(f"emptyDir on disk ({vol['name']}): no podman mapping known")
            size = f",tmpfs-size={int(quantity(ed['sizeLimit'], 'sizeLimit'))}" \
                if "sizeLimit" in ed else ""
            flags.append(f"--mount=type=tmpfs,destination={m['mountPath']}{size}{ro}")
    if by_name:
        raise Unmapped(f"volumes {sorted(by_name)} are not mounted")
    return flags


def pod_from_daemonset(ds, node, name):
    """The Pod that runs ds's one container on node as container `name`."""
    known(ds, "DaemonSet", ("apiVersion", "kind", "metadata", "spec"))
    if (ds["apiVersion"], ds["kind"]) != ("apps/v1", "DaemonSet"):
        raise Unmapped(f"{ds['apiVersion']} {ds['kind']}")
    # metadata (name, namespace, labels) and selector name API objects; they run nothing.
    spec = known(ds["spec"], "DaemonSet spec", ("selector", "template", "updateStrategy"))
    template = known(spec["template"], "template", ("metadata", "spec"))
    meta = known(template.get("metadata", {}), "template metadata", ("labels", "annotations"))
    pod = known(template["spec"], "pod spec", ("hostPID", "hostNetwork", "dnsPolicy",
                                               "tolerations", "containers", "volumes"))
    # tolerations only place the pod. dnsPolicy: podman's host network
    # gives the node's resolv.conf; sockcostd resolves no names.
    argv = ["--runtime=runc", f"--name={name}"]
    argv += [f"--label={k}={v}" for k, v in meta.get("labels", {}).items()]
    argv += [f"--annotation={k}={v}" for k, v in meta.get("annotations", {}).items()]
    if pod.get("hostPID"):
        argv.append("--pid=host")
    if not pod.get("hostNetwork"):
        raise Unmapped("a pod network: the test runs host-network pods only")
    argv.append("--network=host")
    if pod.get("dnsPolicy", "ClusterFirstWithHostNet") != "ClusterFirstWithHostNet":
        raise Unmapped(f"dnsPolicy {pod['dnsPolicy']}: no podman mapping known")
    if len(pod["containers"]) != 1:
        raise Unmapped("more than one container")
    c = known(pod["containers"][0], "container",
              ("name", "image", "command", "args", "env", "ports", "securityContext",
               "livenessProbe", "resources", "volumeMounts"))

    ports = [known(p, "port", ("name", "containerPort", "protocol")) for p in c.get("ports", [])]
    if len(ports) != 1 or ports[0].get("protocol", "TCP") != "TCP":
        raise Unmapped("one TCP port expected")
    container_port = ports[0]["containerPort"]
    # With the host's network the container port is the node's: nothing to
    # publish. The test's free port stands in for it wherever it is named.
    annotated = meta.get("annotations", {}).get("prometheus.io/port")
    if annotated is not None and int(annotated) != container_port:
        raise Unmapped(f"prometheus.io/port {annotated} is not the container port")

    env = {v["name"]: env_value(v, node) for v in c.get("env", [])}
    argv += [f"--env={k}={v}" for k, v in env.items()]
    flags, caps = security_flags(c.get("securityContext", {}))
    argv += flags
    argv += resource_flags(c.get("resources", {}))
    argv += volume_flags(c.get("volumeMounts", []), pod.get("volumes", []), node)

    probe = known(c["livenessProbe"], "livenessProbe",
                  ("httpGet", "periodSeconds", "initialDelaySeconds", "timeoutSeconds",
                   "failureThreshold"))
    get = known(probe["httpGet"], "httpGet", ("path", "port"))
    if get["port"] not in (container_port, ports[0].get("name")):
        raise Unmapped(f"probe port {get['port']} is not the container port")

    def on_node_port(arg):
        return re.sub(rf":{container_port}$", f":{node.port}", expand(arg, env))

    args = [on_node_port(a) for a in c.get("args", [])]
    if not any(a.endswith(f":{node.port}") for a in args):
        raise Unmapped(f"no argument names the container port {container_port}")
    if "command" in c:
        argv.append("--entrypoint=" + json.dumps([expand(a, env) for a in c["command"]]))
    if c["image"] not in node.images:
        raise Unmapped(f"image {c['image']}: the test names no local image for it")
    image = node.images[c["image"]]
    argv += [image, *args]
    return Pod(argv=argv, probe_path=get["path"], probe_port=node.port,
               container_port=container_port, image=image, capabilities=caps)
