"""The local platform sandbox: one real HTTP server on 127.0.0.1 speaking the subsets of
seven platforms' APIs that phuxanh uses, each under its own prefix (a channel's API base is
`<sandbox>/<platform>`; Facebook is also served at the root):

  /facebook  Graph API: feed, photos, Reels phases, insights     (sandbox/graph.py)
  /telegram  Bot API /bot<token>/<method>                        (sandbox/social.py)
  /x         X API v2: posts, chunked media upload              (sandbox/social.py)
  /wordpress WordPress REST API, application passwords           (sandbox/sites.py)
  /zalo      Zalo OA article create → verify, video upload       (sandbox/sites.py)
  /youtube   resumable upload, processing status                (sandbox/video.py)
  /tiktok    direct post init → chunked PUT → status/fetch       (sandbox/video.py)

It keeps every post it accepts (`GET /_sandbox/posts`, so tests count them) and injects
faults in each platform's own error shape (`POST /_sandbox/faults`): http_500, http_429,
expired_token, lose_response (done, answer lost), slow_response (done, answer 1.5 s late),
timeout (done, answer held past the client's timeout). Faults are queued
(`{"next": [...], "platform": "x"}`) or drawn at random (`{"rate": 0.2, "kinds": [...],
"seed": 7}`); `{"next_read": [...]}` faults GET requests. YouTube, TikTok, X and Zalo also
serve the OAuth refresh grant (`POST /_sandbox/oauth` registers grants; sandbox/oauth.py).
"""

from __future__ import annotations

import json
import random
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from phuxanh.sandbox import graph, oauth, sites, social, video
from phuxanh.sandbox.core import FAULTS, Reply, Request, SandboxState


@dataclass(frozen=True)
class Platform:
    token: Callable[[Request], str | None]  # None: this path needs no token
    fault: Callable[[str], Reply]
    unauthorized: Callable[[], Reply]
    handle: Callable[[SandboxState, Request], Reply]


PLATFORMS = {
    "facebook": Platform(graph.token, graph.fault, graph.unauthorized, graph.handle),
    "telegram": Platform(
        social.tg_token, social.tg_fault, social.tg_unauthorized, social.tg_handle
    ),
    "x": Platform(social.x_token, social.x_fault, social.x_unauthorized, social.x_handle),
    "wordpress": Platform(sites.wp_token, sites.wp_fault, sites.wp_unauthorized, sites.wp_handle),
    "zalo": Platform(
        sites.zalo_token, sites.zalo_fault, sites.zalo_unauthorized, sites.zalo_handle
    ),
    "youtube": Platform(video.yt_token, video.yt_fault, video.yt_unauthorized, video.yt_handle),
    "tiktok": Platform(video.tt_token, video.tt_fault, video.tt_unauthorized, video.tt_handle),
}
PUBLIC_PATHS = ("posts", "reel", "wp-content", "media")  # permalinks and served media


class _Discard:
    """A response sink: what is written is lost, as on a connection that dropped."""

    closed = False

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        return None

    def flush(self) -> None:
        return None


class Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _write(self, reply: Reply, delay_s: float = 0.0) -> None:
        if isinstance(reply.body, bytes):
            raw = reply.body
        else:
            raw = b"" if reply.body is None else json.dumps(reply.body, ensure_ascii=False).encode()
        if delay_s:
            time.sleep(delay_s)
        self.send_response(reply.status)
        if raw:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        try:
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout fault)
            self.close_connection = True

    def _route(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith("/_sandbox/"):
            self._write(self._admin(self.command, url.path, body))
            return
        parts = [p for p in url.path.split("/") if p]
        name = parts[0] if parts and parts[0] in PLATFORMS else "facebook"
        prefix = f"/{name}" if parts and parts[0] == name else ""
        parts = parts[1:] if prefix else parts
        request = Request(
            method=self.command,
            parts=parts,
            query={k: v[-1] for k, v in parse_qs(url.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base=f"{self.server.public_url}{prefix}",
        )
        platform = PLATFORMS[name]
        state = self.server.state
        if parts and parts[0] in PUBLIC_PATHS and self.command == "GET":
            self._write(Reply(200, {"public": "/".join(parts)}))
            return
        grant = self.command == "POST" and oauth.is_token_path(name, parts)
        token = None if grant else platform.token(request)
        if token is not None and not oauth.accepts(state, token):
            self._write(platform.unauthorized())
            return
        fault = state.next_fault(name, read=self.command == "GET")
        if fault in ("http_500", "http_429", "expired_token"):
            self._write(platform.fault(fault))
            return
        reply = oauth.handle(state, name, request) if grant else platform.handle(state, request)
        if fault == "lose_response":  # done, the answer never arrives
            self.wfile = _Discard()  # type: ignore[assignment]
            self.close_connection = True
        delay = {"slow_response": 1.5, "timeout": state.timeout_s}.get(fault or "", 0.0)
        self._write(reply, delay)

    def _admin(self, method: str, path: str, body: bytes) -> Reply:
        state = self.server.state
        if method == "GET" and path == "/_sandbox/posts":
            with state.lock:
                posts = [
                    {k: v for k, v in p.items() if k != "created_at"} for p in state.posts.values()
                ]
            return Reply(
                200,
                {
                    "posts": posts,
                    "count": len(posts),
                    "faults_injected": dict(state.faults.injected),
                },
            )
        if method == "POST" and path == "/_sandbox/reset":
            with state.lock:
                state.posts.clear()
                state.uploads.clear()
                state.issued.clear()
                state.grants.clear()
                state.refreshes.clear()
                state.faults.queue.clear()
                state.faults.reads.clear()
                state.faults.per_platform.clear()
                state.faults.rate = 0.0
                state.faults.injected.clear()
            return Reply(200, {"ok": True})
        if method == "POST" and path == "/_sandbox/config":
            asked = json.loads(body or b"{}")
            state.processing_s = float(asked.get("processing_s", state.processing_s))
            state.timeout_s = float(asked.get("timeout_s", state.timeout_s))
            return Reply(200, {"processing_s": state.processing_s, "timeout_s": state.timeout_s})
        if method == "POST" and path == "/_sandbox/oauth":
            return oauth.register(state, json.loads(body or b"{}"))
        if method == "POST" and path == "/_sandbox/faults":
            return self._faults(json.loads(body or b"{}"))
        return Reply(404, {"error": "unknown sandbox admin path"})

    def _faults(self, asked: dict[str, Any]) -> Reply:
        plan = self.server.state.faults
        wanted, reads = asked.get("next", []), asked.get("next_read", [])
        kinds = asked.get("kinds", sorted(FAULTS) if "rate" in asked else [])
        unknown = [f for f in [*wanted, *reads, *kinds] if f not in FAULTS]
        platform = asked.get("platform")
        if unknown or (platform and platform not in PLATFORMS):
            return Reply(
                400,
                {
                    "error": f"unknown faults {unknown} or platform {platform!r}; "
                    f"known: {sorted(FAULTS)}, {sorted(PLATFORMS)}"
                },
            )
        with self.server.state.lock:
            if platform:
                plan.per_platform.setdefault(platform, []).extend(wanted)
            else:
                plan.queue.extend(wanted)
            plan.reads.extend(reads)
            if "rate" in asked:
                plan.rate, plan.kinds = float(asked["rate"]), list(kinds)
                plan.rng = random.Random(asked.get("seed"))  # noqa: S311 (fault draws)
        return Reply(
            200, {"queued": len(plan.queue), "queued_reads": len(plan.reads), "rate": plan.rate}
        )

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def do_PUT(self) -> None:
        self._route()


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0, tokens: set[str] | None = None) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = SandboxState(tokens=tokens or {"sandbox-page-token"})

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that dies mid-request (the drill SIGKILLs publishers) is not an error of
        the sandbox: say nothing. Anything else is printed as usual."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    @property
    def public_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


# how often a serving loop looks for `.shutdown()`: socketserver's default, 0.5 s, made
# stopping a server the longest part of a short test
POLL_S = 0.02


def serve_in_thread(server: socketserver.BaseServer, name: str = "phuxanh-http") -> None:
    """Serve `server` on a daemon thread; its `.shutdown()` returns within POLL_S."""
    threading.Thread(target=server.serve_forever, args=(POLL_S,), name=name, daemon=True).start()


def start_in_thread(port: int = 0, tokens: set[str] | None = None) -> SandboxServer:
    """Start a sandbox on 127.0.0.1 (port 0 = any free port); `.shutdown()` stops it."""
    server = SandboxServer(port, tokens)
    serve_in_thread(server, "phuxanh-sandbox")
    return server
