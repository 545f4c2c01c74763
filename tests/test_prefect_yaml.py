"""prefect.yaml: every deployment points at a real flow, with parameters that flow accepts,
valid schedules, and the work pool docker-compose's worker serves. (tests/test_deployments.py
deploys it for real and runs every deployment in a worker.)"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from prefect.client.schemas.schedules import CronSchedule
from prefect.flows import load_flow_from_entrypoint

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_deployment_is_runnable(deployment, monkeypatch):
    monkeypatch.chdir(ROOT.parent)  # a module entrypoint imports from anywhere distil is installed
    # no placeholder: a flow that cannot be imported must fail here, not stand in for the real one
    flow = load_flow_from_entrypoint(deployment["entrypoint"], use_placeholder_flow=False)
    assert ".py:" not in deployment["entrypoint"], "module entrypoints: a file path shadows packages"
    validated = flow.validate_parameters(deployment["parameters"])
    assert validated["project"] == "/project"
    for schedule in deployment.get("schedules", []):
        CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert f"--pool {deployment['work_pool']['name']}" in compose


def test_nothing_to_pull():
    """The code is installed where the worker runs (host venv, the distil image): an omitted pull
    would pin the deploying machine's working directory into every deployment."""
    assert yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["pull"] == []


def test_scheduled_deployments_cover_the_data_team_rhythm():
    names = {d["name"]: d for d in DEPLOYMENTS}
    assert names["nightly-label"]["schedules"] and names["weekly-release"]["schedules"]
    assert names["weekly-release"]["parameters"]["promote"] is False, "promotion stays a person's decision"
