"""Sandboxed Facebook Graph API: feed and photo posts, Reels (start → upload → finish →
status phases), the page feed, post fields and insights, errors in Graph's own shape."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from phuxanh.sandbox.core import Reply, Request, SandboxState

PLATFORM = "facebook"
VERSION = re.compile(r"^v\d+\.\d+$")
DEPRECATED_METRICS = {"post_impressions_unique", "post_impressions", "page_impressions_unique"}
KNOWN_METRICS = {
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_by_type_total",
}


def error(status: int, code: int, message: str, *, subcode: int | None = None) -> Reply:
    err: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": hashlib.sha256(message.encode()).hexdigest()[:11],
    }
    if subcode is not None:
        err["error_subcode"] = subcode
    return Reply(status, {"error": err})


def synthetic(post_id: str, name: str, age_s: float) -> int:
    """Deterministic, growing numbers: a post's metrics only ever go up with its age."""
    seed = int(hashlib.sha256(f"{post_id}:{name}".encode()).hexdigest()[:8], 16)
    ceiling = 200 + seed % 4800
    growth = min(1.0, (age_s / 3600 + 1) / 24)
    return max(1, int(ceiling * growth))


def token(req: Request) -> str:
    """The token as Graph takes it: `Authorization: Bearer …` (or `OAuth …`), which the
    adapter sends, or the `access_token` parameter older clients put in the query or form."""
    scheme, _, value = req.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    return req.query.get("access_token") or str(req.form().get("access_token") or "")


def fault(kind: str) -> Reply:
    if kind == "http_429":
        return error(400, 32, "Page request limit reached")
    if kind == "expired_token":
        return error(400, 190, "Error validating access token", subcode=463)
    return error(500, 2, "An unexpected error has occurred. Please retry.")


def unauthorized() -> Reply:
    return error(400, 190, "Error validating access token: Session has expired.", subcode=463)


def handle(state: SandboxState, req: Request) -> Reply:
    parts = req.parts
    if parts[:1] == ["video-upload"]:  # rupload.facebook.com/video-upload/{ver}/{video_id}
        return _reel_upload(state, req, parts[-1])
    if not parts or not VERSION.match(parts[0]):
        return error(404, 100, "Unknown path components")
    parts = parts[1:]
    q, m = req.query, req.method
    if m == "GET" and parts == ["me"]:
        return Reply(200, {"id": "sandbox-page", "name": "phuxanh sandbox page"})
    if m == "POST" and len(parts) == 2 and parts[1] == "feed":
        form = req.form()
        if not form.get("message") and not form.get("link"):
            return error(400, 100, "(#100) Missing message or attachment")
        post_id = state.add_post(
            PLATFORM, parts[0], "feed", str(form.get("message", "")), {"link": form.get("link")}
        )
        return Reply(200, {"id": post_id})
    if m == "POST" and len(parts) == 2 and parts[1] == "photos":
        form = req.form()
        source = form.get("source")
        if not isinstance(source, bytes) or not source[:8].startswith((b"\x89PNG", b"\xff\xd8")):
            return error(
                400,
                324,
                "Photos should be smaller than 4MB and saved as JPG or PNG",
                subcode=1366046,
            )
        caption = str(form.get("caption") or form.get("message") or "")
        post_id = state.add_post(PLATFORM, parts[0], "photo", caption, {"bytes": len(source)})
        return Reply(200, {"id": post_id.split("_")[1], "post_id": post_id})
    if m == "POST" and len(parts) == 2 and parts[1] == "video_reels":
        return _reel_phase(state, req, parts[0])
    if m == "GET" and len(parts) == 2 and parts[1] == "feed":
        limit = int(q.get("limit", "25"))
        rows = [p for p in state.recent(PLATFORM, parts[0]) if p["kind"] != "reel"]
        return Reply(200, {"data": [_public(req, p) for p in rows[:limit]]})
    if m == "GET" and len(parts) == 2 and parts[1] == "insights":
        return _insights(state, parts[0], q)
    if m == "GET" and len(parts) == 1 and parts[0] in state.uploads:
        return _reel_status(state, req, parts[0])
    if m == "GET" and len(parts) == 1 and parts[0] in state.posts:
        return Reply(200, _fields(req, state.posts[parts[0]], q.get("fields", "id")))
    return error(404, 100, f"(#100) Unsupported {m} request. Object does not exist")


def _reel_phase(state: SandboxState, req: Request, page: str) -> Reply:
    phase = req.query.get("upload_phase")
    if phase == "start":
        video_id = str(9_000_000 + state.next_id())
        state.uploads[video_id] = {"page": page, "bytes": 0, "size": None, "finished": None}
        return Reply(
            200, {"video_id": video_id, "upload_url": f"{req.base}/video-upload/v25.0/{video_id}"}
        )
    video = state.uploads.get(req.query.get("video_id", ""))
    if phase != "finish" or video is None:
        return error(400, 100, "(#100) Invalid upload_phase or video_id")
    if not video["bytes"]:
        return error(400, 6000, "There was a problem uploading your video file")
    if video["finished"] is None:  # finishing twice publishes once
        video["finished"] = time.time()
        state.add_post(
            PLATFORM,
            page,
            "reel",
            req.query.get("description", ""),
            {"bytes": video["bytes"]},
            post_id=req.query["video_id"],
        )
    return Reply(200, {"success": True})


def _reel_upload(state: SandboxState, req: Request, video_id: str) -> Reply:
    video = state.uploads.get(video_id)
    if video is None or req.method != "POST":
        return error(404, 100, "(#100) Unknown video")
    if req.body[4:8] != b"ftyp":
        return error(400, 6000, "There was a problem uploading your video file")
    video["bytes"], video["size"] = len(req.body), int(req.headers.get("file_size") or 0)
    return Reply(200, {"success": True})


def _reel_status(state: SandboxState, req: Request, video_id: str) -> Reply:
    video = state.uploads[video_id]
    uploaded = "complete" if video["bytes"] else "not_started"
    finished = video["finished"]
    done = finished is not None and state.processed(finished)
    publishing = "complete" if done else ("in_progress" if finished else "not_started")
    status = {
        "video_status": "ready" if done else ("processing" if finished else "upload"),
        "uploading_phase": {"status": uploaded},
        "processing_phase": {"status": "complete" if done else "not_started"},
        "publishing_phase": {"status": publishing},
    }
    out: dict[str, Any] = {"id": video_id, "status": status}
    if done:
        out["permalink_url"] = f"{req.base}/reel/{video_id}"
    return Reply(200, out)


def _public(req: Request, post: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": post["id"],
        "message": post["message"],
        "created_time": post["created_time"],
        "permalink_url": f"{req.base}/posts/{post['id']}",
    }


def _fields(req: Request, post: dict[str, Any], fields: str) -> dict[str, Any]:
    age = time.time() - post["created_at"]
    out: dict[str, Any] = {"id": post["id"]}
    for name in fields.split(","):
        base = name.split(".")[0]
        if base == "permalink_url":
            out[base] = _public(req, post)["permalink_url"]
        elif base == "is_published":
            out[base] = True
        elif base == "message":
            out[base] = post["message"]
        elif base == "shares":
            out[base] = {"count": synthetic(post["id"], "shares", age) // 40}
        elif base in ("comments", "reactions"):
            total = synthetic(post["id"], base, age) // (30 if base == "comments" else 8)
            out[base] = {"data": [], "summary": {"total_count": total}}
    return out


def _insights(state: SandboxState, post_id: str, q: dict[str, str]) -> Reply:
    post = state.posts.get(post_id)
    metrics = [m for m in q.get("metric", "").split(",") if m]
    if post is None:
        return error(404, 100, "(#100) Object does not exist")
    if not metrics:
        return error(400, 3001, "Invalid query", subcode=1504028)
    bad = [m for m in metrics if m in DEPRECATED_METRICS or m not in KNOWN_METRICS]
    if bad:
        return error(400, 100, f"(#100) The value must be a valid insights metric: {bad[0]}")
    age = time.time() - post["created_at"]
    data = []
    for name in metrics:
        value: Any = synthetic(post_id, name, age)
        if name == "post_reactions_by_type_total":
            value = {"like": value // 10, "love": value // 40}
        elif name == "post_total_media_view_unique":
            value = int(synthetic(post_id, "post_media_view", age) * 0.7)
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
    return Reply(200, {"data": data})
