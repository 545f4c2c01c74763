"""docker-compose.yml cannot be run here (no Docker engine); check what can be checked:
every service, volume and config it references exists, and the stack has its parts."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def load():
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_the_stack_has_every_part():
    services = load()["services"]
    expected = {"postgres", "prefect-server", "prefect-worker", "argilla", "argilla-worker", "elasticsearch"}
    assert expected | {"redis", "vllm"} <= set(services)
    assert services["vllm"]["profiles"] == ["gpu"], "the GPU teacher is opt-in"
    assert services["argilla"]["image"].endswith(":v2.8.0"), "the server version the SDK and tests use"


def test_references_resolve():
    compose = load()
    services = compose["services"]
    for name, service in services.items():
        depends = service.get("depends_on", [])
        for dependency in depends if isinstance(depends, list) else depends.keys():
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            source = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", volume).split(":", 1)[0]  # ${VAR:-default}
            if not source.startswith((".", "/")):
                assert source in compose["volumes"], f"{name} mounts undeclared volume {source}"
        for config in service.get("configs", []):
            assert config["source"] in compose["configs"]


def test_databases_the_services_use_are_created():
    text = COMPOSE.read_text(encoding="utf-8")
    created = set(re.findall(r"CREATE DATABASE (\w+);", text)) | {
        load()["services"]["postgres"]["environment"]["POSTGRES_DB"]
    }
    used = set(re.findall(r"@postgres:5432/(\w+)", text))
    assert used <= created, f"databases used but never created: {used - created}"


def test_env_example_names_every_variable_compose_reads():
    text = COMPOSE.read_text(encoding="utf-8")
    read = set(re.findall(r"\$\{(\w+):-", text))
    example = (COMPOSE.parent / ".env.example").read_text(encoding="utf-8")
    declared = set(re.findall(r"^(\w+)=", example, flags=re.M))
    assert read <= declared, f"missing from .env.example: {read - declared}"
