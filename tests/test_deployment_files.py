"""The Dockerfile, compose.yaml and the Kubernetes manifests agree with the code they run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from knownparty_service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
KUBERNETES = ROOT / "deploy" / "kubernetes"
SERVE = ["knownparty", "serve"]
UPGRADE = ["knownparty", "db", "upgrade"]
PREFIX = "KNOWNPARTY_"


def _port(listen: str) -> int:
    return int(listen.rsplit(":", 1)[1])


def _assert_settings(variables: dict[str, str], monkeypatch) -> Settings:
    """Every KNOWNPARTY_* variable names a Settings field, and together they make valid Settings."""
    for name in variables:
        if name.startswith(PREFIX):
            assert name[len(PREFIX):].lower() in Settings.model_fields, f"{name} is no setting"
    for name, value in variables.items():
        monkeypatch.setenv(name, str(value))
    return Settings()


def _dockerfile_env() -> dict[str, str]:
    text = (ROOT / "Dockerfile").read_text()
    block = re.search(r"^ENV (.*?)(?<!\\)\n", text, re.S | re.M).group(1)
    return dict(item.split("=", 1) for item in shlex.split(block.replace("\\\n", " ")))


def _dockerfile_json(pattern: str) -> list[str]:
    """The JSON array (exec form) after `pattern` in the Dockerfile."""
    found = re.search(pattern + r"\s+(\[.*?\])", (ROOT / "Dockerfile").read_text(), re.S | re.M)
    return yaml.safe_load(found.group(1))  # a JSON array is YAML too


def _manifests() -> list[dict]:
    documents = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        documents += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return documents


def _one(kind: str) -> dict:
    found = [d for d in _manifests() if d["kind"] == kind]
    assert len(found) == 1, f"{len(found)} {kind} manifests"
    return found[0]


def _container_env(container: dict, configmaps: dict[str, dict]) -> dict[str, str]:
    env = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]]["data"])
    for item in container.get("env", []):
        # A value from a Secret is only known at deploy time: a valid stand-in checks the name.
        env[item["name"]] = item.get("value", "postgresql+psycopg://knownparty@db:5432/knownparty")
    return env


def test_the_dockerfile_runs_knownparty_serve_with_real_settings(monkeypatch):
    settings = _assert_settings(_dockerfile_env(), monkeypatch)
    assert _dockerfile_json(r"^CMD") == SERVE
    assert str(_port(settings.listen)) in (ROOT / "Dockerfile").read_text().split("EXPOSE", 1)[1].split("\n")[0].split()
    assert _dockerfile_json(r"^HEALTHCHECK .*?CMD") == ["knownparty", "--target", f"127.0.0.1:{_port(settings.listen)}", "health"]


def test_compose_runs_postgres_a_migration_and_the_server(monkeypatch):
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert compose["postgres"]["image"] == "postgres:15"
    assert "healthcheck" in compose["postgres"] and compose["postgres"]["volumes"]

    assert compose["migrate"]["command"] == UPGRADE
    assert compose["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"

    server = compose["knownparty"]
    assert server["command"] == SERVE
    assert server["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    environment = {**_dockerfile_env(), **server["environment"]}
    settings = _assert_settings(environment, monkeypatch)
    assert settings.workers > 1
    assert settings.database_url.startswith("postgresql+psycopg://") and "@postgres:" in settings.database_url
    assert compose["migrate"]["environment"]["KNOWNPARTY_DATABASE_URL"] == settings.database_url
    port = _port(settings.listen)
    assert server["ports"] == [f"{port}:{port}"]
    assert server["healthcheck"]["test"] == ["CMD", "knownparty", "--target", f"127.0.0.1:{port}", "health"]
    # The key files live on the named volume, so that they outlive the container.
    mounts = {volume.split(":")[1] for volume in server["volumes"]}
    for key_file in (settings.signing_key_file, settings.data_key_file):
        assert str(key_file.parent) in mounts


@pytest.fixture
def kubernetes():
    configmaps = {d["metadata"]["name"]: d for d in _manifests() if d["kind"] == "ConfigMap"}
    return _one("Deployment"), _one("Service"), _one("Job"), configmaps


def test_the_manifests_name_no_namespace():
    assert all("namespace" not in d["metadata"] for d in _manifests())
    listed = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")


def test_the_deployment_serves_with_grpc_probes_on_the_service_port(kubernetes, monkeypatch):
    deployment, service, _, configmaps = kubernetes
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert spec["replicas"] == 2
    assert container["command"] == SERVE
    settings = _assert_settings(_container_env(container, configmaps), monkeypatch)
    port = _port(settings.listen)
    assert container["ports"] == [{"name": "grpc", "containerPort": port}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"]["port"] == port

    assert service["spec"]["type"] == "ClusterIP"
    (service_port,) = service["spec"]["ports"]
    assert service_port["name"] == "grpc" and service_port["port"] == port and service_port["targetPort"] == "grpc"
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()

    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert pod["terminationGracePeriodSeconds"] > settings.shutdown_grace_seconds


def test_every_replica_reads_the_same_key_files_and_database_from_secrets(kubernetes, monkeypatch):
    deployment, _, _, configmaps = kubernetes
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    settings = _assert_settings(_container_env(container, configmaps), monkeypatch)
    secrets = {v["name"]: v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    for key_file in (settings.signing_key_file, settings.data_key_file):
        assert mounts.get(str(key_file.parent)) in secrets, f"{key_file} is not on a mounted Secret"
    (database,) = [e for e in container["env"] if e["name"] == "KNOWNPARTY_DATABASE_URL"]
    assert "secretKeyRef" in database["valueFrom"]


def test_the_migration_job_runs_db_upgrade_on_the_same_database_and_image(kubernetes):
    deployment, service, job, _ = kubernetes
    (server,) = deployment["spec"]["template"]["spec"]["containers"]
    pod = job["spec"]["template"]
    (migrate,) = pod["spec"]["containers"]
    assert migrate["command"] == UPGRADE
    assert migrate["image"] == server["image"]
    assert pod["spec"]["restartPolicy"] in ("Never", "OnFailure")
    assert [e for e in migrate["env"] if e["name"] == "KNOWNPARTY_DATABASE_URL"] == [
        e for e in server["env"] if e["name"] == "KNOWNPARTY_DATABASE_URL"
    ]
    # The Job's pod must not receive the Service's traffic.
    assert not service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
