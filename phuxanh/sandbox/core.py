"""What every sandboxed platform shares: the parsed request, the reply, the recorded posts,
the stateful uploads and the fault plan."""

from __future__ import annotations

import email.parser
import email.policy
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

FAULTS = {"http_500", "http_429", "expired_token", "lose_response", "slow_response", "timeout"}


@dataclass
class Request:
    method: str
    parts: list[str]  # the path after the platform prefix, split on "/"
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base: str  # this platform's base URL on the sandbox (for upload URLs and links)

    _form: dict[str, Any] | None = field(default=None, repr=False)

    def form(self) -> dict[str, Any]:
        """URL-encoded or multipart fields; file parts stay bytes. Parsed once (the token
        check and the handler both read it)."""
        if self._form is None:
            self._form = self._parse_form()
        return self._form

    def _parse_form(self) -> dict[str, Any]:
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + self.body
            )
            out: dict[str, Any] = {}
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                raw = payload if isinstance(payload, bytes) else b""
                out[str(name)] = raw if part.get_filename() else raw.decode("utf-8")
            return out
        if ctype.startswith("application/x-www-form-urlencoded"):
            return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8")).items()}
        return {}

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def bearer(self) -> str:
        auth = self.headers.get("authorization", "")
        return auth.split(" ", 1)[1] if " " in auth else ""


@dataclass
class Reply:
    status: int
    body: Any = None  # dict → JSON, bytes → as is, None → empty
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FaultPlan:
    """Faults for requests that change something (POST/PUT) and for reads (GET): queued
    ones first (globally or per platform), then at random with `rate` among `kinds`."""

    queue: list[str] = field(default_factory=list)
    per_platform: dict[str, list[str]] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    rate: float = 0.0
    kinds: list[str] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    injected: dict[str, int] = field(default_factory=dict)


@dataclass
class SandboxState:
    tokens: set[str]
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0
    faults: FaultPlan = field(default_factory=FaultPlan)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)  # sessions, media, videos
    processing_s: float = 1.0  # how long "processing" lasts on asynchronous platforms
    timeout_s: float = 30.0  # how long the `timeout` fault holds the answer
    issued: dict[str, float] = field(default_factory=dict)  # OAuth access token → expiry
    grants: dict[str, dict[str, Any]] = field(default_factory=dict)  # refresh token → grant
    refreshes: dict[str, int] = field(default_factory=dict)  # per platform, and "refused"
    token_ttl_s: float = 3600.0

    def next_id(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def next_fault(self, platform: str, *, read: bool) -> str | None:
        plan = self.faults
        with self.lock:
            if read:
                kind = plan.reads.pop(0) if plan.reads else None
            elif plan.per_platform.get(platform):
                kind = plan.per_platform[platform].pop(0)
            elif plan.queue:
                kind = plan.queue.pop(0)
            elif plan.rate and plan.kinds and plan.rng.random() < plan.rate:
                kind = plan.rng.choice(plan.kinds)
            else:
                kind = None
            if kind:
                plan.injected[kind] = plan.injected.get(kind, 0) + 1
            return kind

    def add_post(
        self,
        platform: str,
        account: str,
        kind: str,
        message: str,
        extra: dict[str, Any],
        post_id: str | None = None,
    ) -> str:
        with self.lock:
            self.counter += 1
            post_id = post_id or f"{account}_{100000 + self.counter}"
            self.posts[post_id] = {
                "id": post_id,
                "platform": platform,
                "page_id": account,
                "kind": kind,
                "message": message,
                "created_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "created_at": time.time(),
                **extra,
            }
            return post_id

    def recent(self, platform: str, account: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            rows = [
                p
                for p in self.posts.values()
                if p["platform"] == platform and (account is None or p["page_id"] == account)
            ]
        return list(reversed(rows))

    def processed(self, since: float) -> bool:
        return time.time() - since >= self.processing_s
