"""A scripted OpenAI-compatible server for what a real one will not do on demand:
429 with Retry-After, 500, hanging past the timeout, malformed output, spans
that are not in the text, unknown labels, disagreeing samples, answers cut off
at max_tokens.

It speaks the real protocol (POST /v1/chat/completions, tool calls or JSON
content, usage, logprobs), so the teacher under test runs its real client code. Answers are
chosen per document: `script[marker]` is a list of behaviours consumed one per
request whose text contains `marker`; when it runs out, `answers[marker]`
gives the entities. Verification requests (the tool "Verdicts") are answered
from `verdicts[marker]`. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeOpenAI:
    answers: dict[str, list[dict]] = field(default_factory=dict)  # marker -> entities
    script: dict[str, list[dict]] = field(default_factory=dict)  # marker -> behaviours, consumed in order
    sampled_answers: dict[str, list[dict]] = field(
        default_factory=dict
    )  # marker -> entities when temperature > 0
    verdicts: dict[str, list[bool]] = field(default_factory=dict)  # marker -> verification answer
    logprob: float | None = None  # give every output token this logprob (None: no logprobs)
    delay_s: float = 0.0
    record: bool = True  # False for long benchmark runs: 100K recorded requests would be GBs
    on_request: Any = None  # called with each request's body before it is answered
    requests: list[dict] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._json(200, {"object": "list", "data": [{"id": "fake-teacher", "object": "model"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                fake._handle(self, body)

            def _json(self, status: int, payload: Any, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls_for(self, marker: str) -> int:
        return sum(1 for r in self.requests if marker in r["text"])

    def _handle(self, handler, body: dict) -> None:
        # the user turns: few-shot examples, the document, then any re-asks instructor appended
        text = "\n\n".join(m["content"] for m in body["messages"] if m["role"] == "user")
        with self._lock:
            if self.record:
                self.requests.append(
                    {"text": text, "body": body, "headers": dict(handler.headers), "at": time.time()}
                )
            marker = next((m for m in self.script if m in text and self.script[m]), None)
            behaviour = self.script[marker].pop(0) if marker else {}
        if self.on_request is not None:
            self.on_request(body)
        if self.delay_s:
            time.sleep(self.delay_s)
        if "hang" in behaviour:
            time.sleep(behaviour["hang"])
        if "status" in behaviour:
            headers = {"Retry-After": str(behaviour["retry_after"])} if "retry_after" in behaviour else {}
            message = behaviour.get("message", "scripted failure")
            if behaviour.get("echo_auth"):  # a hostile or careless server echoing credentials back
                message += f" (you sent {handler.headers.get('Authorization')})"
            handler._json(behaviour["status"], {"error": {"message": message, "type": "scripted"}}, headers)
            return
        choice = body.get("tool_choice")
        tool = choice.get("function", {}).get("name", "Entities") if isinstance(choice, dict) else "Entities"
        if "tools" not in body:  # asked for JSON content (a schema in response_format): its title says what
            schema = (body.get("response_format") or {}).get("schema") or {}
            tool = schema.get("title", "Entities")
        if "arguments" in behaviour:
            arguments = behaviour["arguments"]
        elif tool == "Verdicts":
            verdict_key = next((m for m in self.verdicts if m in text), None)
            arguments = json.dumps({"correct": self.verdicts.get(verdict_key, [])})
        else:
            answer_key = next((m for m in self.answers if m in text), None)
            sampled = body.get("temperature", 0) > 0 and answer_key in self.sampled_answers
            entities = (self.sampled_answers if sampled else self.answers).get(answer_key, [])
            arguments = json.dumps({"entities": entities})
        completion = self._completion(body, arguments, len(text), tool)
        if "finish_reason" in behaviour:  # e.g. "length": the answer ran into max_tokens
            completion["choices"][0]["finish_reason"] = behaviour["finish_reason"]
        handler._json(200, completion)

    def _completion(self, body: dict, arguments: str, prompt_chars: int, tool: str = "Entities") -> dict:
        choice: dict[str, Any] = {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_0",
                        "type": "function",
                        "function": {"name": tool, "arguments": arguments},
                    }
                ],
            },
        }
        if "tools" not in body:  # JSON modes: the answer is the message's content
            choice["finish_reason"] = "stop"
            choice["message"] = {"role": "assistant", "content": arguments}
        if self.logprob is not None and body.get("logprobs"):
            pieces = [arguments[i : i + 4] for i in range(0, len(arguments), 4)]
            choice["logprobs"] = {
                "content": [
                    {"token": p, "logprob": self.logprob, "bytes": None, "top_logprobs": []} for p in pieces
                ]
            }
        system = sum(len(m.get("content") or "") for m in body["messages"] if m["role"] != "user")
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake-teacher"),
            "choices": [choice],
            "usage": {
                "prompt_tokens": (system + prompt_chars) // 4,
                "completion_tokens": max(1, len(arguments) // 4),
                "total_tokens": (system + prompt_chars) // 4 + max(1, len(arguments) // 4),
            },
        }


def calls_by_marker(fake: FakeOpenAI, markers) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for marker in markers:
        counts[marker] = fake.calls_for(marker)
    return dict(counts)
