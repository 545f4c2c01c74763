"""`distil doctor`: is this machine and project ready to run? Each check says what it found and,
when something is wrong, the fix. Real checks only: the teacher answers a real completion, model
files are hashed, the store is opened, Argilla and Prefect are asked."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from flows.settings import Settings

MIN_FREE_GB = 3.0  # the 1.5B teacher (1.1 GB), a student's checkpoints and its bundle


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: nothing to check here (not configured, not fetched yet)
    detail: str


def run_checks(settings: Settings, in_project: bool = True) -> Iterator[Check]:
    """Every check; outside a project the store is not opened (that would create one)."""
    yield from teacher_checks(settings)
    yield (
        store_check(settings) if in_project else Check("store", None, "no distil.toml here: no project store")
    )
    yield argilla_check(settings)
    yield prefect_check()
    yield disk_check(settings)


def teacher_checks(settings: Settings) -> Iterator[Check]:
    config = settings.teacher
    if config.base_url:
        yield endpoint_check(settings)
        return
    if importlib.util.find_spec("llama_cpp") is None:
        yield Check(
            "local teacher build", False, "llama-cpp-python is not installed: pip install 'distil[local]'"
        )
        return
    yield build_check()
    yield from model_file_checks()
    yield local_completion_check(config.local_model)


def build_check() -> Check:
    import llama_cpp

    from teacher.llama_build import non_portable_features

    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    risky = non_portable_features(info)
    if risky:
        return Check(
            "local teacher build",
            False,
            f"llama.cpp was built for this CPU ({', '.join(risky)}): it crashes on some of our machines; "
            "rebuild it with `python -m teacher.llama_build` (README: 'The embedded teacher on any machine')",
        )
    return Check("local teacher build", True, f"llama-cpp-python {llama_cpp.__version__}, portable (AVX2)")


def model_file_checks() -> Iterator[Check]:
    from teacher.gguf_files import PACKAGED, cache_dir

    for name, model in PACKAGED.items():
        path = cache_dir() / f"{name}.gguf"
        if not path.exists():
            continue
        digest = hashlib.sha256()
        with path.open("rb") as file:
            while block := file.read(1 << 22):
                digest.update(block)
        if digest.hexdigest() != model.sha256:
            yield Check(
                f"model {name}", False, f"{path} has the wrong sha256: delete it, the next run fetches it"
            )
        else:
            yield Check(f"model {name}", True, f"{path} ({model.size / 1e6:.0f} MB, sha256 ok)")


def local_completion_check(model: str) -> Check:
    from teacher.gguf_files import PACKAGED, ModelError, cache_dir
    from teacher.local_server import LocalServerError, local_teacher

    if model in PACKAGED and not (cache_dir() / f"{model}.gguf").exists():
        size = PACKAGED[model].size / 1e6
        return Check(
            "local teacher answers",
            None,
            f"{model} not fetched yet: the first run fetches it ({size:.0f} MB)",
        )
    try:
        with local_teacher(model, progress=lambda _: None) as (base_url, _alias):
            return Check("local teacher answers", True, f"{model} completed a real prompt at {base_url}")
    except (LocalServerError, ModelError) as error:
        return Check("local teacher answers", False, str(error))


def endpoint_check(settings: Settings) -> Check:
    import openai

    config = settings.teacher
    key = config.api_key.get_secret_value() if config.api_key else "not-needed"
    client = openai.OpenAI(base_url=config.base_url, api_key=key, timeout=30, max_retries=0)
    try:
        client.chat.completions.create(
            model=config.model or "default", messages=[{"role": "user", "content": "Say ok."}], max_tokens=1
        )
    except openai.APIStatusError as error:
        from teacher.breaker import FATAL_STATUS

        why = FATAL_STATUS.get(error.status_code, f"the endpoint answered {error.status_code}")
        return Check("teacher endpoint", False, f"{config.base_url}: {why}")
    except openai.APIConnectionError:
        return Check("teacher endpoint", False, f"{config.base_url} does not answer: is the server running?")
    return Check("teacher endpoint", True, f"{config.model} at {config.base_url} completed a real prompt")


def store_check(settings: Settings) -> Check:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from corpus.database import store_error_line
    from corpus.store import Store

    shown = make_url(settings.store_url).render_as_string(hide_password=True)
    try:
        with Store(settings.store_url) as store:
            documents = sum(store.counts()["documents"].values())
    except SQLAlchemyError as error:
        return Check("store", False, f"{shown}: {store_error_line(error)}")
    return Check("store", True, f"{shown}: {documents} documents")


def argilla_check(settings: Settings) -> Check:
    review = settings.review
    if not review.api_url:
        return Check("argilla", None, "not configured: routed documents stay queued (README: review)")
    key = review.api_key.get_secret_value() if review.api_key else ""
    try:
        response = httpx.get(
            f"{review.api_url.rstrip('/')}/api/v1/me", headers={"X-Argilla-Api-Key": key}, timeout=10
        )
    except httpx.HTTPError as error:
        return Check("argilla", False, f"{review.api_url} does not answer ({type(error).__name__})")
    if response.status_code in (401, 403):
        return Check("argilla", False, f"{review.api_url} refused the key: check ARGILLA_API_KEY")
    if response.status_code != 200:
        return Check("argilla", False, f"{review.api_url} answered {response.status_code}")
    return Check("argilla", True, f"{review.api_url} as {response.json().get('username', '?')}")


def prefect_check() -> Check:
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        return Check("prefect", None, "no PREFECT_API_URL: flows run on Prefect's local in-process API")
    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=10)
    except httpx.HTTPError as error:
        return Check(
            "prefect",
            False,
            f"{url} does not answer ({type(error).__name__}): start it or unset PREFECT_API_URL",
        )
    if response.status_code != 200:
        return Check("prefect", False, f"{url}/health answered {response.status_code}")
    return Check("prefect", True, f"{url} is healthy")


def disk_check(settings: Settings) -> Check:
    from teacher.gguf_files import cache_dir

    places = {settings.project_dir, cache_dir()}
    low = []
    for place in sorted(places):
        existing = next(p for p in [place, *place.parents] if p.exists())
        free = shutil.disk_usage(existing).free / 1e9
        if free < MIN_FREE_GB:
            low.append(f"{place}: {free:.1f} GB free")
    if low:
        return Check("disk", False, f"under {MIN_FREE_GB:.0f} GB free: {'; '.join(low)}")
    return Check("disk", True, f"at least {MIN_FREE_GB:.0f} GB free where models and the project live")
