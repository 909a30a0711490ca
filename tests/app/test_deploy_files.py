"""The deploy files say what they do: Kubernetes manifests valid against Kubernetes' own schemas,
probes on the right endpoints, and a Compose file that serves the URL it advertises.

No cluster or Docker engine runs here, so this is what can be checked without one: every
manifest against the JSON schemas ``kubernetes-validate`` ships (strict: unknown fields fail),
and how the pieces refer to each other (selectors, Secret keys, ports, the proxy's address).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
#: The oldest Kubernetes minor release the manifests are meant for.
KUBERNETES_VERSION = "1.30.0"


def _manifests() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            found[path.name] = yaml.safe_load(path.read_text())
    return found


def _by_kind(kind: str) -> dict[str, Any]:
    (found,) = [m for m in _manifests().values() if m["kind"] == kind]
    return found


@pytest.mark.parametrize("name", sorted(_manifests()) or ["(none)"])
def test_each_kubernetes_manifest_is_valid_against_the_kubernetes_schema(name: str) -> None:
    manifest = _manifests()[name]
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_applies_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(_manifests())
    assert {m["kind"] for m in _manifests().values()} == {
        "Deployment",
        "Job",
        "Secret",
        "Service",
        "PodDisruptionBudget",
    }


def test_the_deployment_probes_liveness_on_healthz_and_readiness_on_readyz() -> None:
    (container,) = _by_kind("Deployment")["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    # readiness waits longer than the database connect timeout (5 s) before calling it down
    assert container["readinessProbe"]["timeoutSeconds"] > 5
    resources = container["resources"]
    assert resources["requests"]["memory"]
    assert resources["limits"]["memory"]


def test_service_and_disruption_budget_select_the_deployments_pods() -> None:
    pod_labels = _by_kind("Deployment")["spec"]["template"]["metadata"]["labels"]
    service = _by_kind("Service")["spec"]["selector"]
    budget = _by_kind("PodDisruptionBudget")["spec"]["selector"]["matchLabels"]
    assert service.items() <= pod_labels.items()
    assert budget.items() <= pod_labels.items()
    replicas = _by_kind("Deployment")["spec"]["replicas"]
    assert _by_kind("PodDisruptionBudget")["spec"]["minAvailable"] < replicas


def test_the_migrate_job_and_the_server_read_the_secret_they_need() -> None:
    secret_keys = set(_by_kind("Secret")["stringData"])
    job = _by_kind("Job")["spec"]["template"]["spec"]["containers"][0]
    server = _by_kind("Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert job["command"] == ["accountlens", "migrate"]
    for container in (job, server):
        (source,) = container["envFrom"]
        assert source["secretRef"]["name"] == _by_kind("Secret")["metadata"]["name"]
    assert {"ACCOUNTLENS_SECRET_KEY", "DATABASE_URL", "DATABASE_OWNER_URL"} <= secret_keys


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_serves_the_public_url_it_advertises_through_a_tls_proxy() -> None:
    services = _compose()["services"]
    public_url = services["app"]["environment"]["ACCOUNTLENS_PUBLIC_URL"]
    port = public_url.rsplit(":", 1)[1]
    assert public_url.startswith("https://")
    # the proxy publishes the advertised port and its Caddyfile serves that very address
    assert f"{port}:{port}" in services["proxy"]["ports"]
    caddyfile = (ROOT / "deploy" / "compose" / "Caddyfile").read_text()
    assert re.search(rf"^{re.escape(public_url)} {{\n\treverse_proxy app:8000", caddyfile, re.M)
    # the app is not published past the proxy, and trusts forwarded headers from it alone
    assert "ports" not in services["app"]
    proxy_ip = services["proxy"]["networks"]["internal"]["ipv4_address"]
    assert services["app"]["environment"]["ACCOUNTLENS_TRUSTED_PROXIES"] == f'["{proxy_ip}"]'


def test_compose_migrates_once_then_starts_a_checked_and_restarted_app() -> None:
    services = _compose()["services"]
    assert services["migrate"]["command"] == ["accountlens", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["app"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])
    for name in ("db", "app", "proxy"):
        assert services[name]["restart"] == "unless-stopped", name
