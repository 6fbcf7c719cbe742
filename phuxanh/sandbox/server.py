"""The local platform sandbox: a real HTTP server on 127.0.0.1.

It speaks the Facebook Pages Graph API subset phuxanh uses (feed and photo posts, the page
feed, post fields and post insights, token errors in Graph's own shape), keeps every post
it accepts, and lets tests count them at `GET /_sandbox/posts`.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEPRECATED_METRICS = {"post_impressions_unique", "post_impressions", "page_impressions_unique"}
KNOWN_METRICS = {
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_by_type_total",
}
VERSION = re.compile(r"^/v\d+\.\d+/")
FAULTS = {"http_500", "http_429", "expired_token", "lose_response", "slow_response"}


class _Discard:
    """A response sink: what is written is lost, as on a connection that dropped."""

    closed = False

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        return None

    def flush(self) -> None:
        return None


@dataclass
class SandboxState:
    tokens: set[str]
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0
    faults: list[str] = field(default_factory=list)  # consumed one per POST to the Graph API
    read_faults: list[str] = field(default_factory=list)  # one per GET of post insights

    def next_fault(self) -> str | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    def next_read_fault(self) -> str | None:
        with self.lock:
            return self.read_faults.pop(0) if self.read_faults else None

    def add_post(self, page_id: str, kind: str, message: str, extra: dict[str, Any]) -> str:
        with self.lock:
            self.counter += 1
            post_id = f"{page_id}_{100000 + self.counter}"
            self.posts[post_id] = {
                "id": post_id,
                "page_id": page_id,
                "kind": kind,
                "message": message,
                "created_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "created_at": time.time(),
                **extra,
            }
            return post_id


def _graph_error(code: int, message: str, *, subcode: int | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": hashlib.sha256(message.encode()).hexdigest()[:11],
    }
    if subcode is not None:
        err["error_subcode"] = subcode
    return {"error": err}


def _synthetic(post_id: str, name: str, age_s: float) -> int:
    """Deterministic, growing numbers: a post's metrics only ever go up with its age."""
    seed = int(hashlib.sha256(f"{post_id}:{name}".encode()).hexdigest()[:8], 16)
    ceiling = 200 + seed % 4800
    growth = min(1.0, (age_s / 3600 + 1) / 24)
    return max(1, int(ceiling * growth))


class Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    delay_s = 0.0

    def _send(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        if self.delay_s:
            time.sleep(self.delay_s)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + body
            )
            out: dict[str, Any] = {}
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                raw = payload if isinstance(payload, bytes) else b""
                out[str(name)] = raw if part.get_filename() else raw.decode("utf-8")
            return out
        return {k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()}

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path.startswith("/_sandbox/"):
            self._admin(method, url.path)
            return
        if not VERSION.match(url.path):
            self._send(404, _graph_error(100, "Unknown path components"))
            return
        form = self._form() if method == "POST" else {}
        auth = self.headers.get("Authorization", "")
        token = query.get("access_token") or form.get("access_token") or auth.split(" ")[-1]
        if token not in self.server.state.tokens:
            self._send(
                400,
                _graph_error(
                    190, "Error validating access token: Session has expired.", subcode=463
                ),
            )
            return
        parts = VERSION.sub("", url.path).strip("/").split("/")
        if method == "POST":
            fault = self.server.state.next_fault()
        elif parts[-1] == "insights":
            fault = self.server.state.next_read_fault()
        else:
            fault = None
        if fault == "http_500":
            self._send(500, _graph_error(2, "An unexpected error has occurred. Please retry."))
        elif fault == "http_429":
            self._send(400, _graph_error(32, "Page request limit reached"))
        elif fault == "expired_token":
            self._send(400, _graph_error(190, "Error validating access token", subcode=463))
        elif fault == "slow_response":  # the post is created, the answer takes 1.5 s
            self.delay_s = 1.5
            self._graph(method, parts, query, form)
        elif fault == "lose_response":  # the post is created, the answer never arrives
            self.wfile = _Discard()  # type: ignore[assignment]
            self._graph(method, parts, query, form)
            self.close_connection = True
        else:
            self._graph(method, parts, query, form)

    def _graph(
        self, method: str, parts: list[str], q: dict[str, str], form: dict[str, Any]
    ) -> None:
        state = self.server.state
        if method == "GET" and parts == ["me"]:
            self._send(200, {"id": "sandbox-page", "name": "phuxanh sandbox page"})
        elif method == "POST" and len(parts) == 2 and parts[1] == "feed":
            if not form.get("message") and not form.get("link"):
                self._send(400, _graph_error(100, "(#100) Missing message or attachment"))
                return
            post_id = state.add_post(
                parts[0], "feed", str(form.get("message", "")), {"link": form.get("link")}
            )
            self._send(200, {"id": post_id})
        elif method == "POST" and len(parts) == 2 and parts[1] == "photos":
            source = form.get("source")
            if not isinstance(source, bytes) or not source[:8].startswith(
                (b"\x89PNG", b"\xff\xd8")
            ):
                self._send(
                    400,
                    _graph_error(
                        324,
                        "Photos should be smaller than 4MB and saved as JPG or PNG",
                        subcode=1366046,
                    ),
                )
                return
            caption = str(form.get("caption") or form.get("message") or "")
            post_id = state.add_post(parts[0], "photo", caption, {"bytes": len(source)})
            self._send(200, {"id": post_id.split("_")[1], "post_id": post_id})
        elif method == "GET" and len(parts) == 2 and parts[1] == "feed":
            limit = int(q.get("limit", "25"))
            rows = [p for p in reversed(list(state.posts.values())) if p["page_id"] == parts[0]]
            self._send(200, {"data": [self._public(p) for p in rows[:limit]]})
        elif method == "GET" and len(parts) == 2 and parts[1] == "insights":
            self._insights(parts[0], q)
        elif method == "GET" and len(parts) == 1 and parts[0] in state.posts:
            self._send(200, self._fields(state.posts[parts[0]], q.get("fields", "id")))
        else:
            self._send(
                404,
                _graph_error(100, f"(#100) Unsupported {method} request. Object does not exist"),
            )

    def _public(self, post: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": post["id"],
            "message": post["message"],
            "created_time": post["created_time"],
            "permalink_url": f"{self.server.public_url}/posts/{post['id']}",
        }

    def _fields(self, post: dict[str, Any], fields: str) -> dict[str, Any]:
        age = time.time() - post["created_at"]
        out: dict[str, Any] = {"id": post["id"]}
        for name in fields.split(","):
            base = name.split(".")[0]
            if base == "permalink_url":
                out[base] = self._public(post)["permalink_url"]
            elif base == "is_published":
                out[base] = True
            elif base == "message":
                out[base] = post["message"]
            elif base == "shares":
                out[base] = {"count": _synthetic(post["id"], "shares", age) // 40}
            elif base in ("comments", "reactions"):
                total = _synthetic(post["id"], base, age) // (30 if base == "comments" else 8)
                out[base] = {"data": [], "summary": {"total_count": total}}
        return out

    def _insights(self, post_id: str, q: dict[str, str]) -> None:
        post = self.server.state.posts.get(post_id)
        metrics = [m for m in q.get("metric", "").split(",") if m]
        if post is None:
            self._send(404, _graph_error(100, "(#100) Object does not exist"))
            return
        if not metrics:
            self._send(400, _graph_error(3001, "Invalid query", subcode=1504028))
            return
        bad = [m for m in metrics if m in DEPRECATED_METRICS or m not in KNOWN_METRICS]
        if bad:
            self._send(
                400,
                _graph_error(100, f"(#100) The value must be a valid insights metric: {bad[0]}"),
            )
            return
        age = time.time() - post["created_at"]
        data = []
        for name in metrics:
            value: Any = _synthetic(post_id, name, age)
            if name == "post_reactions_by_type_total":
                value = {"like": value // 10, "love": value // 40}
            elif name == "post_total_media_view_unique":
                value = int(_synthetic(post_id, "post_media_view", age) * 0.7)
            data.append(
                {
                    "name": name,
                    "period": "lifetime",
                    "id": f"{post_id}/insights/{name}",
                    "values": [{"value": value}],
                    "title": name,
                    "description": "",
                }
            )
        self._send(200, {"data": data})

    def _admin(self, method: str, path: str) -> None:
        state = self.server.state
        if method == "GET" and path == "/_sandbox/posts":
            with state.lock:
                posts = [
                    {k: v for k, v in p.items() if k != "created_at"} for p in state.posts.values()
                ]
            self._send(200, {"posts": posts, "count": len(posts)})
        elif method == "POST" and path == "/_sandbox/reset":
            with state.lock:
                state.posts.clear()
                state.faults.clear()
                state.read_faults.clear()
            self._send(200, {"ok": True})
        elif method == "POST" and path == "/_sandbox/faults":
            length = int(self.headers.get("Content-Length") or 0)
            asked = json.loads(self.rfile.read(length) or b"{}")
            wanted, reads = asked.get("next", []), asked.get("next_read", [])
            unknown = [f for f in [*wanted, *reads] if f not in FAULTS]
            if unknown:
                self._send(400, {"error": f"unknown faults {unknown}; known: {sorted(FAULTS)}"})
                return
            with state.lock:
                state.faults.extend(wanted)
                state.read_faults.extend(reads)
            self._send(200, {"queued": len(state.faults), "queued_reads": len(state.read_faults)})
        else:
            self._send(404, {"error": "unknown sandbox admin path"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0, tokens: set[str] | None = None) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = SandboxState(tokens=tokens or {"sandbox-page-token"})

    @property
    def public_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def start_in_thread(port: int = 0, tokens: set[str] | None = None) -> SandboxServer:
    """Start a sandbox on 127.0.0.1 (port 0 = any free port); `.shutdown()` stops it."""
    server = SandboxServer(port, tokens)
    threading.Thread(target=server.serve_forever, name="phuxanh-sandbox", daemon=True).start()
    return server
