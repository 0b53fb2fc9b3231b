"""The Dockerfile and compose example promise what the docs and CI say (no container engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_installs_with_the_script_ci_runs() -> None:
    docker = _dockerfile()
    ci = (ROOT / ".ci" / "run").read_text()
    run_steps = [line for line in docker.splitlines() if line.startswith("RUN ")]
    assert run_steps, "Dockerfile has no RUN step"
    assert "bash .ci/install" in run_steps[0], "the Docker install step must be .ci/install"
    assert re.search(r"^bash \.ci/install test$", ci, re.M), ".ci/run must install through .ci/install"
    # the Dockerfile installs nothing else with pip or apt
    assert "pip install" not in docker and "apt-get" not in docker


def test_dockerfile_runs_as_non_root_with_healthcheck_and_entrypoint() -> None:
    docker = _dockerfile()
    assert re.search(r"^FROM python:3\.\d+-slim", docker, re.M)
    user = re.search(r"^USER (\S+)", docker, re.M)
    assert user and user.group(1) not in {"root", "0"}
    assert "HEALTHCHECK" in docker and "/health/live" in docker
    assert 'ENTRYPOINT ["acorn"]' in docker
    volumes = re.search(r"^VOLUME (\[.*\])", docker, re.M)
    assert volumes and {"/var/lib/acorn", "/etc/acorn/partners", "/etc/acorn/keys"} <= set(eval(volumes.group(1)))


def test_dockerfile_env_names_are_real_settings() -> None:
    fields = {f"ACORN_{name.upper()}" for name in Settings.model_fields}
    names = set(re.findall(r"\b(ACORN_[A-Z_]+)=", _dockerfile())) - {"ACORN_VENV"}
    assert names and names <= fields, names - fields


def test_compose_names_every_service_and_setting() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "migrate", "gateway-1", "gateway-2", "worker-1", "worker-2", "proxy"} <= set(services)
    for name in ("gateway-1", "gateway-2"):
        assert services[name]["command"][0] == "serve"
    for name in ("worker-1", "worker-2"):
        assert services[name]["command"] == ["worker"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    fields = {f"ACORN_{name.upper()}" for name in Settings.model_fields}
    env = services["gateway-1"]["environment"]
    assert env["ACORN_ENVIRONMENT"] == "production"
    assert env["ACORN_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert set(env) <= fields, set(env) - fields
    # every setting the deployment guide documents is passed to the gateways
    guide = (ROOT / "docs" / "deployment.md").read_text()
    documented = set(re.findall(r"`(ACORN_[A-Z_]+)`", guide))
    assert documented <= fields, documented - fields
