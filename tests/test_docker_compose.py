"""docker-compose.yml cannot be run here (no Docker engine): it is validated against the compose
specification (the schema check-jsonschema vendors), and what a data team needs of it is
checked by reading: pinned images, required secrets, local ports, healthchecks, the GPU wiring.
(tests/test_deployments.py runs the worker's and the server's healthcheck commands against a
real worker and server; tests/test_image.py runs the Dockerfile's install steps.)"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
TEXT = COMPOSE.read_text(encoding="utf-8")
SECRETS = {"POSTGRES_PASSWORD", "ARGILLA_PASSWORD", "ARGILLA_API_KEY", "ARGILLA_AUTH_SECRET_KEY"}


def load() -> dict:
    return yaml.safe_load(TEXT)


def services() -> dict:
    return load()["services"]


def test_the_file_follows_the_compose_specification(tmp_path):
    check = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run(
        [str(check), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "docker-compose.yml"  # and the check can fail: a misspelt key
    broken.write_text(TEXT.replace("    restart: unless-stopped", "    restrat: unless-stopped", 1))
    refused = subprocess.run(
        [str(check), "--builtin-schema", "vendor.compose-spec", str(broken)], capture_output=True, text=True
    )
    assert refused.returncode != 0 and "restrat" in refused.stdout


def test_the_stack_has_every_part():
    found = services()
    expected = {"postgres", "prefect-server", "prefect-deploy", "prefect-worker", "prefect-worker-gpu"}
    assert expected | {"argilla", "argilla-worker", "elasticsearch", "redis", "vllm"} <= set(found)
    assert found["vllm"]["profiles"] == ["gpu"], "the GPU teacher is opt-in"
    assert found["argilla"]["image"].endswith(":v2.8.0"), "the server version the SDK and tests use"


def test_images_are_pinned_and_distil_runs_its_own():
    for name, service in services().items():
        image = service["image"]
        tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
        assert tag and tag != "latest" and re.search(r"\d+\.\d+", tag), f"{name}: {image} floats"
    for name in ("prefect-server", "prefect-deploy", "prefect-worker", "prefect-worker-gpu"):
        service = services()[name]
        assert service["build"]["context"] == "." and service["image"] == "distil:0.1.0", name
        assert "pip install" not in str(service.get("command", "")), f"{name} installs at start"


def test_secrets_are_required_never_defaulted():
    defaulted = dict(re.findall(r"\$\{(\w+):-([^}]*)\}", TEXT))
    assert not SECRETS & set(defaulted), f"secrets with a default: {SECRETS & set(defaulted)}"
    required = set(re.findall(r"\$\{(\w+):\?[^}]+\}", TEXT))
    assert required == SECRETS
    assert all(
        v in ("", "127.0.0.1") or not re.search(r"key|pass|secret", k, re.I) for k, v in defaulted.items()
    )


def test_ports_are_local_unless_asked():
    for name, service in services().items():
        for port in service.get("ports", []):
            assert port.startswith("${DISTIL_BIND:-127.0.0.1}:"), (
                f"{name} publishes {port} on every interface"
            )
    assert "ports" not in services()["elasticsearch"] and "ports" not in services()["redis"]


def test_every_service_has_a_healthcheck_and_waits_for_healthy_ones():
    found = services()
    for name, service in found.items():
        if name == "prefect-deploy":  # a one-shot job: the workers wait for it to complete
            for worker in ("prefect-worker", "prefect-worker-gpu"):
                assert found[worker]["depends_on"][name]["condition"] == "service_completed_successfully"
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on without conditions"
        for dependency, condition in depends.items():
            assert dependency in found, f"{name} depends on unknown {dependency}"
            if dependency != "prefect-deploy":
                assert condition["condition"] == "service_healthy", f"{name} -> {dependency}"


def test_the_gpu_profile_points_its_worker_at_vllm():
    found = services()
    gpu, cpu = found["prefect-worker-gpu"], found["prefect-worker"]
    assert gpu["profiles"] == ["gpu"] and cpu["profiles"] == ["cpu"], "one worker per profile, never both"
    command = found["vllm"]["command"]
    served = re.search(r"--served-model-name (\S+)", command).group(1)
    assert gpu["environment"]["DISTIL_TEACHER__BASE_URL"] == "http://vllm:8000/v1"
    assert gpu["environment"]["DISTIL_TEACHER__MODEL"] == served
    assert gpu["depends_on"]["vllm"]["condition"] == "service_healthy"
    assert gpu["command"] == cpu["command"] and "--pool distil" in gpu["command"]
    assert "COMPOSE_PROFILES=cpu" in (ROOT / ".env.example").read_text(encoding="utf-8")


def test_references_resolve():
    compose = load()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", volume).split(":", 1)[0]  # ${VAR:-default}
            if not source.startswith((".", "/")):
                assert source in compose["volumes"], f"{name} mounts undeclared volume {source}"
        for config in service.get("configs", []):
            assert config["source"] in compose["configs"]


def test_databases_the_services_use_are_created():
    created = set(re.findall(r"CREATE DATABASE (\w+);", TEXT)) | {
        services()["postgres"]["environment"]["POSTGRES_DB"]
    }
    used = set(re.findall(r"@postgres:5432/(\w+)", TEXT))
    assert used <= created, f"databases used but never created: {used - created}"


def test_env_example_names_every_variable_compose_reads():
    read = set(re.findall(r"\$\{(\w+):[-?]", TEXT))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    declared = dict(re.findall(r"^(\w+)=(.*)$", example, flags=re.M))
    assert read <= set(declared), f"missing from .env.example: {read - set(declared)}"
    assert all(declared[secret] == "" for secret in SECRETS), ".env.example ships no password"


def test_the_serving_service_runs_the_slim_image_on_the_production_link():
    serve = services()["serve"]
    assert serve["build"]["context"] == "./runtime" and serve["image"] == "distil-serve:0.1.0"
    assert serve["command"] == ["--wait", "/project/.distil/models/production"]
    assert any(v.endswith(":/project:ro") for v in serve["volumes"]), "serving reads the project only"
    assert serve["ports"][0].startswith("${DISTIL_BIND:-127.0.0.1}:")
    assert "localhost:8000/health" in " ".join(serve["healthcheck"]["test"])
    dockerfile = (ROOT / "runtime/Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11\.\d+-slim", dockerfile, flags=re.M)
    assert re.search(
        r'^RUN pip install --no-cache-dir "/opt/distil-runtime\[serve\]"', dockerfile, flags=re.M
    )
    assert re.search(r"^USER distil$", dockerfile, flags=re.M)
    assert "torch" not in "".join(re.findall(r"^RUN .*$", dockerfile, flags=re.M))
    assert re.search(r'^ENTRYPOINT \["distil-serve", "--host", "0.0.0.0"', dockerfile, flags=re.M)
