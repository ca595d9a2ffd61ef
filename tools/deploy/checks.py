"""Checks of GoChat's deployment artefacts beyond what a schema says (scripts/check-deploy.sh).

  python checks.py k8s OVERLAY RENDERED.yaml [KUBERNETES_VERSION]
      kubernetes-validate (strict) on every object of a rendered overlay, except the operators'
      custom resources, which are listed as skipped; then the rules of `check_k8s` below.
  python checks.py dockerfiles ROOT
      the rules of `check_dockerfiles` (hadolint runs separately).
  python checks.py compose ROOT
      the rules of `check_compose` (the compose-spec schema runs separately).

Every failure is printed as "  FAIL <what>: <why>"; the exit code is 1 when there is any.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import sys
from pathlib import Path

import yaml

SERVICES = {
    "auth": 8081,
    "users": 8082,
    "socket-handler": 8083,
    "messages": 8084,
    "notifications": 8085,
}
# Ports a service's pod exposes besides its HTTP port, with the variable that must name each:
# messages' writer lane, which socket-handler nodes connect to (the pod's IP, kept in Redis).
EXTRA_PORTS = {"messages": {8090: "WRITER_LANE_PORT"}}
# The services whose pods hold WebSockets: they drain on shutdown and scale down slowly.
SOCKET_SERVICES = {"socket-handler", "notifications"}

# Custom resources of the operators the production overlay is written for. kubernetes-validate
# only knows the built-in kinds, so these are skipped by name (and checked by the rules below).
CUSTOM_KINDS = {
    ("rabbitmq.com", "RabbitmqCluster"),
    ("postgresql.cnpg.io", "Cluster"),
    ("postgresql.cnpg.io", "Database"),
}

# Secrets that an overlay uses without defining them: created by an operator or by the operator
# of the cluster before `kubectl apply -k` (README, "Deploying").
EXTERNAL_SECRETS = {
    "local": set(),
    "production": {
        "gochat-jwt",
        "gochat-redis",
        "gochat-tls",
        "gochat-vapid",
        "gochat-s3",
        "rabbitmq-default-user",
        *(f"gochat-db-{name}" for name in SERVICES),
    },
}

failures: list[str] = []


def fail(what: str, why: str) -> None:
    failures.append(f"{what}: {why}")
    print(f"  FAIL {what}: {why}", file=sys.stderr)


def finish(summary: str) -> None:
    if failures:
        print(f"  {len(failures)} problem(s)", file=sys.stderr)
        sys.exit(1)
    print(f"  ok  {summary}", file=sys.stderr)


def group_of(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def kn(obj: dict) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


# ---- Kubernetes -------------------------------------------------------------------------------


def pod_spec(obj: dict) -> dict | None:
    kind = obj["kind"]
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
        return obj["spec"]["template"]["spec"]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if kind == "Pod":
        return obj["spec"]
    return None


def pod_labels(obj: dict) -> dict:
    if obj["kind"] == "Pod":
        return obj["metadata"].get("labels", {})
    return obj["spec"]["template"]["metadata"].get("labels", {})


def selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def validate_schemas(objs: list[dict], version: str) -> list[str]:
    import kubernetes_validate
    from kubernetes_validate import utils

    # The strict definitions file is large; read each schema file once, not once per object.
    utils.schema_contents = functools.lru_cache(maxsize=None)(utils.schema_contents)
    skipped = []
    for obj in objs:
        key = (group_of(obj.get("apiVersion", "")), obj.get("kind"))
        if key in CUSTOM_KINDS:
            skipped.append(kn(obj))
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            where = "/".join(str(p) for p in e.path) or "(top)"
            fail(kn(obj), f"schema ({version}, strict): at {where}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError as e:
            fail(kn(obj), f"no schema: {e.message} (a typo in apiVersion or kind?)")
    return skipped


def check_pod_security(obj: dict, spec: dict) -> None:
    what = kn(obj)
    pod_sc = spec.get("securityContext", {})
    if pod_sc.get("seccompProfile", {}).get("type") not in ("RuntimeDefault", "Localhost"):
        fail(what, "securityContext.seccompProfile must be RuntimeDefault")
    if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
        fail(what, "must not share the host's namespaces")
    for c in spec.get("initContainers", []) + spec.get("containers", []):
        cwhat = f"{what} container {c['name']}"
        sc = c.get("securityContext", {})
        if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
            fail(cwhat, "runAsNonRoot must be true")
        uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
        if uid in (None, 0):
            fail(cwhat, "needs a numeric non-zero runAsUser")
        if sc.get("allowPrivilegeEscalation") is not False:
            fail(cwhat, "allowPrivilegeEscalation must be false")
        if sc.get("readOnlyRootFilesystem") is not True:
            fail(cwhat, "readOnlyRootFilesystem must be true")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            fail(cwhat, "capabilities must drop ALL")
        if sc.get("privileged"):
            fail(cwhat, "must not be privileged")
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in res.get(part, {}):
                    fail(cwhat, f"resources.{part}.{resource} is missing")
        image = c.get("image", "")
        if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
            fail(cwhat, f"image {image!r} needs a pinned tag (not latest)")


def env_names_from_config(spec_container: dict, by_name: dict) -> set[str]:
    names: set[str] = set()
    for src in spec_container.get("envFrom", []):
        ref = src.get("configMapRef") or src.get("secretRef")
        kind = "ConfigMap" if "configMapRef" in src else "Secret"
        target = by_name.get((kind, ref["name"])) if ref else None
        if target:
            names.update((target.get("data") or {}).keys())
            names.update((target.get("stringData") or {}).keys())
    return names


def check_env_expansion(what: str, container: dict, by_name: dict) -> None:
    """Checks that every $(VAR) in env values is defined before it (else it stays literal)."""
    defined = env_names_from_config(container, by_name)
    for env in container.get("env", []):
        for ref in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", env.get("value") or ""):
            if ref not in defined:
                fail(what, f"env {env['name']} uses $({ref}), which is not defined before it")
        defined.add(env["name"])


def references(obj: dict, spec: dict) -> set[tuple[str, str]]:
    refs: set[tuple[str, str]] = set()
    for c in spec.get("initContainers", []) + spec.get("containers", []):
        for src in c.get("envFrom", []):
            if "configMapRef" in src:
                refs.add(("ConfigMap", src["configMapRef"]["name"]))
            if "secretRef" in src:
                refs.add(("Secret", src["secretRef"]["name"]))
        for env in c.get("env", []):
            vf = env.get("valueFrom", {})
            if "configMapKeyRef" in vf:
                refs.add(("ConfigMap", vf["configMapKeyRef"]["name"]))
            if "secretKeyRef" in vf:
                refs.add(("Secret", vf["secretKeyRef"]["name"]))
    for vol in spec.get("volumes", []):
        if "configMap" in vol:
            refs.add(("ConfigMap", vol["configMap"]["name"]))
        if "secret" in vol:
            refs.add(("Secret", vol["secret"]["secretName"]))
    return refs


def http_probe(container: dict, probe: str) -> tuple[str | None, object]:
    get = container.get(probe, {}).get("httpGet", {})
    return get.get("path"), get.get("port")


def check_k8s(overlay: str, rendered: Path, version: str) -> None:
    objs = [o for o in yaml.safe_load_all(rendered.read_text()) if o]
    for o in objs:
        for field in ("apiVersion", "kind"):
            if not o.get(field):
                fail(str(o.get("metadata", {}).get("name")), f"{field} is missing")
    if failures:
        finish("")
    skipped = validate_schemas(objs, version)
    validated = len(objs) - len(skipped)
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objs}
    by_kind: dict[str, list[dict]] = {}
    for o in objs:
        by_kind.setdefault(o["kind"], []).append(o)
    workloads = [o for o in objs if pod_spec(o) is not None]
    external = EXTERNAL_SECRETS.get(overlay, set())

    # Every workload: restricted security, resources, pinned images; references resolve.
    for w in workloads:
        spec = pod_spec(w)
        check_pod_security(w, spec)
        for kind, name in sorted(references(w, spec)):
            if (kind, name) not in by_name and not (kind == "Secret" and name in external):
                fail(kn(w), f"refers to {kind} {name!r}, which this overlay does not define")
        for c in spec.get("initContainers", []) + spec.get("containers", []):
            check_env_expansion(f"{kn(w)} container {c['name']}", c, by_name)

    # Custom resources refer to Secrets too.
    for o in objs:
        if (group_of(o["apiVersion"]), o["kind"]) == ("postgresql.cnpg.io", "Cluster"):
            names = [
                r["passwordSecret"]["name"]
                for r in o["spec"].get("managed", {}).get("roles", [])
                if "passwordSecret" in r
            ]
            initdb = o["spec"].get("bootstrap", {}).get("initdb", {})
            if "secret" in initdb:
                names.append(initdb["secret"]["name"])
            for name in names:
                if ("Secret", name) not in by_name and name not in external:
                    fail(kn(o), f"refers to Secret {name!r}, which this overlay does not define")

    # The five services and the gateway: Deployment, Service, HPA, PDB, probes, shutdown.
    deployments = {o["metadata"]["name"]: o for o in by_kind.get("Deployment", [])}
    hpas = {
        o["spec"]["scaleTargetRef"]["name"]: o
        for o in by_kind.get("HorizontalPodAutoscaler", [])
        if o["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    }
    for name in [*SERVICES, "gateway"]:
        d = deployments.get(name)
        if d is None:
            fail(f"Deployment/{name}", "is missing")
            continue
        spec = pod_spec(d)
        labels = pod_labels(d)
        c = next((c for c in spec["containers"] if c["name"] == name), None)
        if c is None:
            fail(kn(d), f"has no container named {name}")
            continue
        if name in SERVICES:
            port = SERVICES[name]
            extra = EXTRA_PORTS.get(name, {})
            if [p["containerPort"] for p in c.get("ports", [])] != [port, *extra]:
                fail(kn(d), f"must expose exactly port {port} and then {sorted(extra) or 'nothing else'}")
            if http_probe(c, "readinessProbe")[0] != "/readyz":
                fail(kn(d), "readinessProbe must GET /readyz")
            if http_probe(c, "livenessProbe")[0] != "/healthz":
                fail(kn(d), "livenessProbe must GET /healthz")
            env = {e["name"]: e["value"] for e in c.get("env", []) if "value" in e}
            db = "gochat_" + name.replace("-", "_")
            if not env.get("DATABASE_URL", "").endswith("/" + db):
                fail(kn(d), f"DATABASE_URL must name the database {db}")
            for var in ("AMQP_URL", "REDIS_URL"):
                if not any(e["name"] == var for e in c.get("env", [])):
                    fail(kn(d), f"{var} is not set")
            if env.get("PORT") != str(port):
                fail(kn(d), f"PORT must be {port}")
            for extra_port, var in extra.items():
                if env.get(var) != str(extra_port):
                    fail(kn(d), f"{var} must be {extra_port}, the port it exposes")
            mounts = {m["name"]: m for m in c.get("volumeMounts", [])}
            jwt_vol = next((v for v in spec.get("volumes", []) if v["name"] == "jwt"), None)
            keys = {i["key"] for i in (jwt_vol or {}).get("secret", {}).get("items", [])}
            want = {"public.pem", "private.pem"} if name == "auth" else {"public.pem"}
            if "jwt" not in mounts or keys != want:
                fail(kn(d), f"must mount exactly {sorted(want)} of the JWT Secret")
        elif not http_probe(c, "readinessProbe")[0] or not http_probe(c, "livenessProbe")[0]:
            fail(kn(d), "needs HTTP readiness and liveness probes")
        prestop = c.get("lifecycle", {}).get("preStop")
        if not prestop:
            fail(kn(d), "needs a preStop hook, so endpoints are removed before SIGTERM")
        grace = spec.get("terminationGracePeriodSeconds", 30)
        sleep = (prestop or {}).get("sleep", {}).get("seconds", 0)
        if name in SOCKET_SERVICES and (grace < 30 or sleep < 5):
            fail(
                kn(d),
                "a socket tier needs terminationGracePeriodSeconds >= 30 and a preStop "
                f"sleep >= 5 s (has {grace} and {sleep})",
            )
        if grace <= sleep:
            fail(kn(d), "the grace period must outlast the preStop sleep")
        if not any(
            s["kind"] == "Service" and selects(s["spec"].get("selector", {}), labels)
            for s in by_kind.get("Service", [])
        ):
            fail(kn(d), "no Service selects its pods")
        if name not in hpas:
            fail(kn(d), "has no HorizontalPodAutoscaler")
        elif hpas[name]["apiVersion"] != "autoscaling/v2":
            fail(kn(hpas[name]), "must be autoscaling/v2")
        if not any(
            selects(p["spec"]["selector"].get("matchLabels", {}), labels)
            for p in by_kind.get("PodDisruptionBudget", [])
        ):
            fail(kn(d), "has no PodDisruptionBudget")

    # Services select pods that have the target port.
    for s in by_kind.get("Service", []):
        selector = s["spec"].get("selector", {})
        pods = [w for w in workloads if selects(selector, pod_labels(w))]
        if not pods:
            fail(kn(s), f"selects no pods ({selector})")
            continue
        for port in s["spec"].get("ports", []):
            target = port.get("targetPort", port["port"])
            known = {
                p.get("name") for w in pods for c in pod_spec(w)["containers"] for p in c.get("ports", [])
            } | {
                p["containerPort"]
                for w in pods
                for c in pod_spec(w)["containers"]
                for p in c.get("ports", [])
            }
            if target not in known:
                fail(kn(s), f"targetPort {target!r} is no container port of its pods")

    for h in by_kind.get("HorizontalPodAutoscaler", []):
        ref = h["spec"]["scaleTargetRef"]
        if (ref["kind"], ref["name"]) not in by_name:
            fail(kn(h), f"scales {ref['kind']}/{ref['name']}, which does not exist")
        if h["spec"].get("minReplicas", 1) > h["spec"]["maxReplicas"]:
            fail(kn(h), "minReplicas is above maxReplicas")
        if overlay == "production" and h["spec"].get("minReplicas", 1) < 2:
            fail(kn(h), "production runs at least two replicas")

    # The Ingress: to existing Services, with WebSocket-friendly timeouts.
    ingresses = by_kind.get("Ingress", [])
    if not ingresses:
        fail("Ingress", "is missing")
    for ing in ingresses:
        ann = ing["metadata"].get("annotations", {})
        for key in ("proxy-read-timeout", "proxy-send-timeout"):
            value = ann.get(f"nginx.ingress.kubernetes.io/{key}", "0")
            if not value.isdigit() or int(value) < 3600:
                fail(kn(ing), f"{key} must be at least 3600 s for WebSockets (is {value})")
        for rule in ing["spec"].get("rules", []):
            for path in rule["http"]["paths"]:
                svc = path["backend"]["service"]
                target = by_name.get(("Service", svc["name"]))
                if target is None:
                    fail(kn(ing), f"routes to Service {svc['name']}, which does not exist")
                elif svc["port"].get("name") not in {p.get("name") for p in target["spec"]["ports"]} and svc[
                    "port"
                ].get("number") not in {p["port"] for p in target["spec"]["ports"]}:
                    fail(kn(ing), f"routes to a port Service {svc['name']} does not have")
        if overlay == "production" and not ing["spec"].get("tls"):
            fail(kn(ing), "production serves https (spec.tls)")

    # What each overlay must bring for the stateful parts.
    if overlay == "local":
        for name in ("postgres", "rabbitmq", "redis"):
            if ("StatefulSet", name) not in by_name:
                fail(f"StatefulSet/{name}", "is missing from the local overlay")
        jobs = by_kind.get("Job", [])
        if not any("create-databases" in j["metadata"]["name"] for j in jobs):
            fail("Job/create-databases", "is missing from the local overlay")
    if overlay == "production":
        rabbit = [o for o in objs if o["kind"] == "RabbitmqCluster"]
        if not rabbit or rabbit[0]["spec"].get("replicas", 1) < 3:
            fail("RabbitmqCluster", "production needs one with 3 replicas")
        clusters = [o for o in objs if o["kind"] == "Cluster"]
        if not clusters or clusters[0]["spec"].get("instances", 1) < 2:
            fail("Cluster (CloudNativePG)", "production needs one with at least 2 instances")
        else:
            databases = {o["spec"]["name"] for o in objs if o["kind"] == "Database"}
            initdb = clusters[0]["spec"].get("bootstrap", {}).get("initdb", {})
            if initdb.get("database"):
                databases.add(initdb["database"])
            for name in SERVICES:
                db = "gochat_" + name.replace("-", "_")
                if db not in databases:
                    fail("Cluster (CloudNativePG)", f"database {db} is never created")
        if not by_kind.get("NetworkPolicy"):
            fail("NetworkPolicy", "production restricts traffic with NetworkPolicies")
        for w in workloads:
            for c in pod_spec(w)["containers"]:
                if c["image"].startswith("gochat/"):
                    fail(kn(w), f"image {c['image']} is not from a registry")

    print(f"  validated {validated} objects against Kubernetes {version} (strict)", file=sys.stderr)
    if skipped:
        print(
            "  skipped (operator custom resources, no schema in kubernetes-validate; checked by"
            f" the rules above): {', '.join(skipped)}",
            file=sys.stderr,
        )
    finish(f"{overlay}: {len(objs)} objects, every rule holds")


# ---- Dockerfiles ------------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def glob_match(path: list[str], pattern: list[str]) -> bool:
    """Go filepath.Match per path segment, with `**` for any number of segments (Docker's rules)."""
    if not pattern:
        return not path
    if pattern[0] == "**":
        return any(glob_match(path[i:], pattern[1:]) for i in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], pattern[0]) and glob_match(path[1:], pattern[1:])


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore patterns (last match wins, `!` re-includes) leave `path` out; a
    pattern that matches a parent directory covers everything below it."""
    parts = path.split("/")
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        segments = pattern.lstrip("!").strip("/").split("/")
        if any(glob_match(parts[: i + 1], segments) for i in range(len(parts))):
            excluded = not negate
    return excluded


def check_dockerfiles(root: Path) -> None:
    # One Dockerfile builds every service (SERVICE and PORT build arguments); a per-service
    # copy would only drift.
    for name in SERVICES:
        if (root / name / "Dockerfile").exists():
            fail(f"{name}/Dockerfile", "services are built by docker/service.Dockerfile; remove this copy")
    path = root / "docker" / "service.Dockerfile"
    rel = "docker/service.Dockerfile"
    if not path.is_file():
        fail(rel, "is missing")
    else:
        text = path.read_text()
        ins = dockerfile_instructions(text)
        froms = [i for i, (w, _) in enumerate(ins) if w == "FROM"]
        if len(froms) < 2:
            fail(rel, "must be a multi-stage build (a build stage and a runtime stage)")
        else:
            final = ins[froms[-1] :]
            words = [w for w, _ in final]
            if "rust:" in final[0][1]:
                fail(rel, "the runtime stage must not be the rust image")
            if "RUST_VERSION=1.95" not in text:
                fail(rel, "the build stage must use the rust image pinned to 1.95")
            for stage, what in ((ins[froms[-2] :], "build"), (final, "runtime")):
                if ("ARG", "SERVICE") not in stage:
                    fail(rel, f"the {what} stage must take ARG SERVICE")
            if ("ARG", "PORT") not in final:
                fail(rel, "the runtime stage must take ARG PORT")
            user = next((rest for w, rest in reversed(final) if w == "USER"), "")
            if not user or user.split(":")[0] in ("0", "root"):
                fail(rel, "the runtime stage must switch to a non-root USER")
            if ("EXPOSE", "${PORT}") not in final:
                fail(rel, "must EXPOSE ${PORT}")
            if not any(w == "ENV" and re.search(r"\bPORT=\$\{PORT\}", rest) for w, rest in final):
                fail(rel, "must set ENV PORT=${PORT}, which the service and the HEALTHCHECK read")
            if ("STOPSIGNAL", "SIGTERM") not in final:
                fail(rel, "must set STOPSIGNAL SIGTERM")
            health = next((rest for w, rest in final if w == "HEALTHCHECK"), "")
            if "${PORT}/healthz" not in health:
                fail(rel, "needs a HEALTHCHECK on http://127.0.0.1:${PORT}/healthz")
            if 'cargo chef cook --release --locked --package "${SERVICE}"' not in text:
                fail(rel, "needs the dependency-caching (cargo chef cook) layer for the chosen service")
            if "ENTRYPOINT" not in words:
                fail(rel, "needs an ENTRYPOINT")

    # The services' build context must hold the manifests, every workspace member and every
    # file a crate compiles in (include_str!/include_bytes!), or the image build breaks.
    ignore = root / ".dockerignore"
    patterns = [
        line.strip().rstrip("/")
        for line in (ignore.read_text().splitlines() if ignore.is_file() else [])
        if line.strip() and not line.strip().startswith("#")
    ]
    cargo = (root / "Cargo.toml").read_text()
    members_m = re.search(r"members\s*=\s*\[([^\]]*)\]", cargo)
    members = re.findall(r'"([^"]+)"', members_m.group(1) if members_m else "")
    needed = {"Cargo.toml": "the workspace", "Cargo.lock": "the workspace"}
    needed.update({m: "a workspace member" for m in members})
    for member in members:
        for source in sorted((root / member / "src").rglob("*.rs")):
            for inc in re.findall(r'include_(?:str|bytes)!\(\s*"([^"]+)"', source.read_text()):
                target = (source.parent / inc).resolve()
                try:
                    rel = target.relative_to(root.resolve()).as_posix()
                except ValueError:
                    fail(str(source.relative_to(root)), f"compiles in {inc}, outside the repository")
                    continue
                needed[rel] = f"compiled in by {source.relative_to(root)}"
    for path, why in sorted(needed.items()):
        if dockerignored(path, patterns):
            fail(".dockerignore", f"excludes {path} ({why}), so the service images cannot build")

    # The gateway image substitutes exactly the template's variables.
    gateway = root / "frontend" / "Dockerfile"
    template = (root / "nginx" / "templates" / "gateway.conf.template").read_text()
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", template))
    text = gateway.read_text() if gateway.is_file() else ""
    if not text:
        fail("frontend/Dockerfile", "is missing")
    else:
        m = re.search(r'NGINX_ENVSUBST_FILTER="([^"]+)"', text)
        if not m:
            fail("frontend/Dockerfile", "must set NGINX_ENVSUBST_FILTER")
        else:
            pattern = re.compile(m.group(1).replace("\\$", "$"))
            candidates = used | {
                "HOSTNAME",
                "PATH",
                "HOME",
                "NGINX_VERSION",
                "AUTH_PORT",
                "AUTH_SERVICE_HOST",
                "KUBERNETES_PORT",
                "PORT",
            }
            matched = {v for v in candidates if pattern.search(v)}
            if matched != used:
                fail(
                    "frontend/Dockerfile",
                    f"NGINX_ENVSUBST_FILTER matches {sorted(matched)}, the template uses {sorted(used)}",
                )
        for var in sorted(used):
            if not re.search(rf"\b{var}=", text):
                fail("frontend/Dockerfile", f"gives no default for the template's ${{{var}}}")
        if "nginx/nginx.conf" not in text or "nginx/templates" not in text:
            fail("frontend/Dockerfile", "must install nginx/nginx.conf and nginx/templates/")
    finish("the service and gateway Dockerfiles follow the rules")


# ---- docker-compose.yml -----------------------------------------------------------------------


def check_compose(root: Path) -> None:
    path = root / "docker-compose.yml"
    doc = yaml.safe_load(path.read_text())
    services = doc.get("services", {})
    for name in [*SERVICES, "gateway", "postgres", "rabbitmq", "redis"]:
        if name not in services:
            fail(f"service {name}", "is missing")
    volumes = set((doc.get("volumes") or {}).keys())
    init_sql = root / "docker" / "postgres" / "create-databases.sql"
    created = set(re.findall(r"CREATE DATABASE (\w+)", init_sql.read_text())) if init_sql.is_file() else set()
    for name, svc in services.items():
        what = f"service {name}"
        test = (svc.get("healthcheck") or {}).get("test")
        if not test or (svc.get("healthcheck") or {}).get("disable"):
            fail(what, "needs a healthcheck (start order is gated on health)")
        depends = svc.get("depends_on") or {}
        if isinstance(depends, list):  # the short form waits for nothing but the start
            depends = {d: None for d in depends}
        for dep, cond in depends.items():
            if dep not in services:
                fail(what, f"depends on {dep}, which does not exist")
            if not cond or cond.get("condition") != "service_healthy":
                fail(what, f"must wait for {dep} with condition: service_healthy")
        for key in ("command", "entrypoint"):
            value = svc.get(key)
            flat = " ".join(value) if isinstance(value, list) else str(value or "")
            if re.search(r"\bsleep\b", flat):
                fail(what, f"{key} sleeps; wait on health instead")
        if test and re.search(r"\bsleep\b", " ".join(test) if isinstance(test, list) else test):
            fail(what, "the healthcheck sleeps")
        for vol in svc.get("volumes") or []:
            source = vol.split(":")[0] if isinstance(vol, str) else vol.get("source", "")
            if source.startswith((".", "/")):
                if not (root / source).exists():
                    fail(what, f"mounts {source}, which does not exist")
            elif source and source not in volumes:
                fail(what, f"uses the volume {source}, which is not declared")
        build = svc.get("build")
        if isinstance(build, dict):
            dockerfile = root / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
            if not dockerfile.is_file():
                fail(what, f"builds {dockerfile.relative_to(root)}, which does not exist")
        if name in SERVICES:
            args = (build or {}).get("args") if isinstance(build, dict) else None
            if not isinstance(build, dict) or build.get("dockerfile") != "docker/service.Dockerfile":
                fail(what, "must build docker/service.Dockerfile")
            elif not isinstance(args, dict) or args.get("SERVICE") != name or str(args.get("PORT")) != str(SERVICES[name]):
                fail(what, f"must build with args SERVICE={name} and PORT={SERVICES[name]}")
            env = svc.get("environment") or {}
            db = "gochat_" + name.replace("-", "_")
            if not str(env.get("DATABASE_URL", "")).endswith("/" + db):
                fail(what, f"DATABASE_URL must name the database {db}")
            elif created and db not in created:
                fail(what, f"the database {db} is not created by docker/postgres/create-databases.sql")
            health = " ".join(test) if isinstance(test, list) else str(test)
            if f"{SERVICES[name]}/readyz" not in health:
                fail(what, f"the healthcheck should ask /readyz on port {SERVICES[name]}")
    gateway_deps = set((services.get("gateway", {}).get("depends_on") or {}).keys())
    if gateway_deps != set(SERVICES):
        fail("service gateway", f"must wait for the five services (waits for {sorted(gateway_deps)})")
    if "management" not in str(services.get("rabbitmq", {}).get("image", "")):
        fail("service rabbitmq", "must run the management image (UI on)")
    finish(f"docker-compose.yml: {len(services)} services, health-gated, volumes declared")


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "k8s" and len(sys.argv) in (4, 5):
        version = sys.argv[4] if len(sys.argv) == 5 else "1.37.0"
        check_k8s(sys.argv[2], Path(sys.argv[3]), version)
    elif mode == "dockerfiles" and len(sys.argv) == 3:
        check_dockerfiles(Path(sys.argv[2]))
    elif mode == "compose" and len(sys.argv) == 3:
        check_compose(Path(sys.argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
