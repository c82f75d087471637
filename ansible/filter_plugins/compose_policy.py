"""What a project's compose file may ask of the host, checked before deploy_project builds or starts it.

The compose file is repository content, written by agents from members' requests: untrusted. Docker
runs as root, so a service that is privileged, shares the host's namespaces, mounts a host path,
builds from a directory outside its release or joins another project's network or volume would
reach past its project. `compose_violations` reads the file as `docker compose config` normalized
it (interpolated, `extends` resolved, Compose v1's and v2's shapes) and `compose_file_violations`
the file as written (for what normalizing hides: `env_file` is inlined). Each returns one line per
violation, naming the service and the key, never a value of the environment. `compose_kept_state`
and `compose_slot_state` say whether a stack keeps data, which decides whether its releases may go
blue-green (roles/app/tasks/compose_slots.yml).
"""

import json
import posixpath

try:
    # Results are marked unsafe: they hold repository text, which Ansible must never template.
    from ansible.utils.unsafe_proxy import wrap_var
except ImportError:  # plain Python (the unit tests)

    def wrap_var(value):
        return value

# Keys that give a container the host or another container, refused whatever their value.
REFUSED_KEYS = {
    "privileged": "runs the container privileged",
    "cap_add": "adds kernel capabilities",
    "devices": "passes host devices in",
    "device_cgroup_rules": "opens device access",
    "security_opt": "changes the container's security profile",
    "userns_mode": "leaves the user namespace",
    "cgroup_parent": "places the container in another cgroup",
    "pid": "shares a process namespace",
    "ipc": "shares an IPC namespace",
    "uts": "shares the host's UTS namespace",
    "container_name": "names the container outside its project (two projects could clash)",
    "external_links": "links to containers of other projects",
    "volumes_from": "mounts another container's volumes",
    "sysctls": "sets kernel parameters",
    "runtime": "chooses the container runtime",
    "isolation": "chooses the container isolation",
}


def _inside(path, root):
    """Whether path (absolute, or relative to root) stays inside root once normalized."""
    full = posixpath.normpath(posixpath.join(root, str(path)))
    root = posixpath.normpath(root)
    return full == root or full.startswith(root + "/")


def _bind_source(volume):
    """The host path a service volume mounts, or None for a named volume or a tmpfs."""
    if isinstance(volume, dict):
        if volume.get("type", "volume") == "bind":
            return str(volume.get("source", ""))
        return None
    source = str(volume).split(":", 1)[0] if ":" in str(volume) else None
    if source and (source.startswith("/") or source.startswith(".") or source.startswith("~")):
        return source
    return None


def _published(port):
    """The host port a `ports` entry publishes, as a string ("" when Docker picks one)."""
    if isinstance(port, dict):
        return str(port.get("published", "") or "")
    text = str(port).split("/", 1)[0]
    parts = text.split(":")
    # "80" (container only), "8080:80", "127.0.0.1:8080:80", "127.0.0.1::80"
    return parts[-2] if len(parts) >= 2 else ""


def _service_violations(name, service, root, ports):
    found = []
    for key, why in REFUSED_KEYS.items():
        if key in service and service[key] not in (None, False, [], {}, ""):
            found.append(f"service {name}: `{key}` {why}")
    network_mode = str(service.get("network_mode", ""))
    if network_mode == "host" or network_mode.startswith("container:"):
        found.append(f"service {name}: `network_mode: {network_mode}` leaves its project's network")
    for volume in service.get("volumes") or []:
        source = _bind_source(volume)
        if source is not None and not _inside(source, root):
            found.append(f"service {name}: mounts the host path {source}, outside its release")
    build = service.get("build")
    if build is not None:
        context = build.get("context", ".") if isinstance(build, dict) else build
        if "://" not in str(context) and not _inside(context, root):
            found.append(f"service {name}: builds from {context}, outside its release")
    for port in service.get("ports") or []:
        published = _published(port)
        if published == "" or published not in ports:
            shown = published or "a port Docker chooses"
            found.append(
                f"service {name}: publishes {shown}; a project publishes only its allocated port(s) "
                f"({', '.join(sorted(ports)) or 'none'})"
            )
    return found


def compose_bind_sources(config, root):
    """The host paths the services mount (absolute), for the host to resolve symlinks in."""
    sources = []
    for service in ((config or {}).get("services") or {}).values():
        for volume in (service or {}).get("volumes") or []:
            source = _bind_source(volume)
            if source is not None:
                sources.append(posixpath.normpath(posixpath.join(root, source)))
    return wrap_var(sorted(set(sources)))


def compose_violations(config, root, allowed_ports):
    """Violations in a normalized compose configuration (a mapping) of a release at root."""
    if not isinstance(config, dict):
        return ["the compose configuration is not a mapping"]
    ports = {str(port) for port in allowed_ports}
    found = []
    for name, service in sorted((config.get("services") or {}).items()):
        found.extend(_service_violations(name, service or {}, root, ports))
    for kind in ("volumes", "networks"):
        for name, item in sorted((config.get(kind) or {}).items()):
            item = item or {}
            if item.get("external"):
                found.append(f"{kind[:-1]} {name} is external: a project uses only its own")
            options = item.get("driver_opts") or {}
            if kind == "volumes" and ("device" in options or str(options.get("o", "")).find("bind") >= 0):
                found.append(f"volume {name} binds a host path through driver_opts")
            if kind == "networks" and item.get("driver") not in (None, "bridge"):
                found.append(f"network {name} uses the {item.get('driver')} driver; a project uses bridge networks")
    for kind in ("secrets", "configs"):
        for name, item in sorted((config.get(kind) or {}).items()):
            source = (item or {}).get("file")
            if source is not None and not _inside(source, root):
                found.append(f"{kind[:-1]} {name} reads {source}, outside its release")
    return wrap_var(found)


def compose_file_violations(document, root):
    """Violations of a compose file as written (a mapping): what normalizing inlines or resolves."""
    if not isinstance(document, dict):
        return ["the compose file is not a mapping"]
    found = []
    for name, service in sorted((document.get("services") or {}).items()):
        service = service or {}
        env_files = service.get("env_file") or []
        for entry in [env_files] if isinstance(env_files, (str, dict)) else env_files:
            path = entry.get("path", "") if isinstance(entry, dict) else entry
            if not _inside(path, root):
                found.append(f"service {name}: reads env_file {path}, outside its release")
        extends = service.get("extends")
        if isinstance(extends, dict) and "file" in extends and not _inside(extends["file"], root):
            found.append(f"service {name}: extends {extends['file']}, outside its release")
    return wrap_var(found)


def compose_unready(inspected):
    """The containers (`docker inspect` output, as text) not running, or not healthy where checked."""
    try:
        containers = json.loads(inspected or "[]")
    except ValueError:
        return [{"service": "", "summary": "docker inspect gave no readable state"}]
    unready = []
    for container in containers:
        labels = (container.get("Config") or {}).get("Labels") or {}
        service = labels.get("com.docker.compose.service", container.get("Name", "?").lstrip("/"))
        state = container.get("State") or {}
        status = state.get("Status", "unknown")
        health = (state.get("Health") or {}).get("Status")
        if status != "running" or health not in (None, "healthy"):
            shown = status if status != "running" else f"running, {health}"
            exit_code = f", exit code {state.get('ExitCode')}" if status == "exited" else ""
            unready.append({"service": service, "summary": f"{service} is {shown}{exit_code}"})
    if not containers:
        unready.append({"service": "", "summary": "no container is running"})
    return wrap_var(unready)


def compose_kept_state(config):
    """Why a release's services keep state (a normalized configuration): every volume a service
    mounts but a tmpfs (named, anonymous or bound from the host). A stack that keeps none may run
    twice side by side (blue-green); one that keeps some must not: two copies would write the same
    data, or the new copy would start on empty volumes of its own."""
    reasons = []
    for name, service in sorted(((config or {}).get("services") or {}).items()):
        for volume in (service or {}).get("volumes") or []:
            if isinstance(volume, dict):
                if volume.get("type", "volume") == "tmpfs":
                    continue
                source, target = volume.get("source") or "an anonymous volume", volume.get("target", "?")
            else:
                parts = str(volume).split(":")
                source, target = ("an anonymous volume", parts[0]) if len(parts) == 1 else (parts[0], parts[1])
            reasons.append(f"service {name} mounts {source} at {target}")
    return wrap_var(reasons)


def compose_slot_state(inspected, project):
    """The containers of compose project `project` among `docker inspect` output (text): whether one
    runs, and the data they keep (their volume and bind mounts, image VOLUMEs included)."""
    try:
        containers = json.loads(inspected or "[]")
    except ValueError:
        return wrap_var({"running": False, "reasons": ["docker inspect gave no readable state"]})
    running = False
    reasons = set()
    for container in containers:
        labels = (container.get("Config") or {}).get("Labels") or {}
        if labels.get("com.docker.compose.project") != project:
            continue
        service = labels.get("com.docker.compose.service", container.get("Name", "?").lstrip("/"))
        running = running or bool((container.get("State") or {}).get("Running"))
        for mount in container.get("Mounts") or []:
            if mount.get("Type") in ("volume", "bind"):
                reasons.add(f"service {service} of the live release keeps data at {mount.get('Destination', '?')}")
    return wrap_var({"running": running, "reasons": sorted(reasons)})


def compose_port_env(config, port):
    """The services of a normalized configuration (env_file inlined) whose environment holds PORT,
    each with PORT set to `port`: an override for slot b, whose service must listen on the port it
    publishes when it reads PORT from .env (`env_file: .env`, as the service templates do)."""
    services = {}
    for name, service in sorted(((config or {}).get("services") or {}).items()):
        environment = (service or {}).get("environment") or {}
        names = [str(item).split("=", 1)[0] for item in environment] if isinstance(environment, list) else environment
        if "PORT" in names:
            services[name] = {"environment": {"PORT": str(port)}}
    return wrap_var(services)


class FilterModule:
    def filters(self):
        return {
            "compose_bind_sources": compose_bind_sources,
            "compose_unready": compose_unready,
            "compose_violations": compose_violations,
            "compose_file_violations": compose_file_violations,
            "compose_kept_state": compose_kept_state,
            "compose_port_env": compose_port_env,
            "compose_slot_state": compose_slot_state,
        }
