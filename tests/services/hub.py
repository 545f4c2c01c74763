"""A stand-in Hugging Face hub. The real hub cannot be reached from these machines, so this
serves one model folder under one repo id over the hub's own HTTP API (what huggingface_hub
asks through HF_ENDPOINT): the repo's info and each file's resolve URL. Every path asked is
kept, so a test can say what was fetched."""

from __future__ import annotations

import hashlib
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

COMMIT = "0123456789abcdef0123456789abcdef01234567"  # the one revision the stand-in holds


@dataclass
class Hub:
    url: str
    repo_id: str
    asked: list[str] = field(default_factory=list)

    def fetched(self) -> set[str]:
        """The files a client downloaded (GET on a resolve URL)."""
        marker = f"GET /{self.repo_id}/resolve/{COMMIT}/"
        return {asked.removeprefix(marker) for asked in self.asked if asked.startswith(marker)}


def _oid(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _handler(hub: Hub, folder: Path):
    files = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}
    info = f"/api/models/{hub.repo_id}"
    resolve = f"/{hub.repo_id}/resolve/"

    def repo_info() -> dict:
        siblings = [{"rfilename": name} for name in files]
        return {"id": hub.repo_id, "modelId": hub.repo_id, "sha": COMMIT, "siblings": siblings}

    def tree() -> list[dict]:
        return [
            {"type": "file", "path": n, "size": f.stat().st_size, "oid": _oid(f)} for n, f in files.items()
        ]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # the test reads `hub.asked`, not stderr
            pass

        def do_HEAD(self):
            self._answer(body=False)

        def do_GET(self):
            self._answer(body=True)

        def _answer(self, body: bool):
            path = unquote(urlparse(self.path).path)
            hub.asked.append(f"{self.command} {path}")
            if path == info or path.startswith(f"{info}/revision/"):
                return self._json(200, repo_info(), body)
            if path.startswith(f"{info}/tree/"):
                return self._json(200, tree(), body)
            name = path.removeprefix(resolve).split("/", 1)[-1] if path.startswith(resolve) else None
            if name not in files:  # huggingface_hub tells the two apart by this header
                code = "EntryNotFound" if name else "RepoNotFound"
                return self._json(404, {}, body, {"X-Error-Code": code})
            headers = {"X-Repo-Commit": COMMIT, "ETag": f'"{_oid(files[name])}"'}
            return self._send(200, files[name].read_bytes(), "application/octet-stream", headers, body)

        def _json(self, status: int, payload, body: bool, headers: dict | None = None):
            self._send(status, json.dumps(payload).encode(), "application/json", headers or {}, body)

        def _send(self, status: int, data: bytes, kind: str, headers: dict, body: bool):
            self.send_response(status)
            for key, value in {**headers, "Content-Type": kind, "Content-Length": str(len(data))}.items():
                self.send_header(key, value)
            self.end_headers()
            if body:
                self.wfile.write(data)

    return Handler


@contextmanager
def stand_in_hub(folder: Path, repo_id: str):
    """A hub on a free local port serving `folder` as `repo_id`; set HF_ENDPOINT to `hub.url`."""
    hub = Hub("", repo_id)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub, Path(folder)))
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
