"""Sandboxed Telegram Bot API and X API v2 (posts, chunked media upload with processing)."""

from __future__ import annotations

import time
from typing import Any

from phuxanh.sandbox.core import Reply, Request, SandboxState
from phuxanh.sandbox.graph import synthetic

# --- Telegram: /bot<token>/<method>; failures are {"ok": false, "error_code", ...} --------


def tg_error(code: int, description: str, **params: Any) -> Reply:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if params:
        body["parameters"] = params
    return Reply(code, body)


def tg_token(req: Request) -> str:
    return req.parts[0][3:] if req.parts and req.parts[0].startswith("bot") else ""


def tg_fault(kind: str) -> Reply:
    if kind == "http_429":
        return tg_error(429, "Too Many Requests: retry after 5", retry_after=5)
    if kind == "expired_token":
        return tg_error(401, "Unauthorized")
    return tg_error(502, "Bad Gateway")


def tg_unauthorized() -> Reply:
    return tg_error(401, "Unauthorized")


def tg_handle(state: SandboxState, req: Request) -> Reply:
    method = req.parts[1] if len(req.parts) > 1 else ""
    if method == "getMe":
        return Reply(
            200,
            {"ok": True, "result": {"id": 42, "is_bot": True, "username": "phuxanh_sandbox_bot"}},
        )
    form = req.form() or req.json()
    chat = str(form.get("chat_id") or "")
    if method == "getChatMemberCount":
        return Reply(200, {"ok": True, "result": 1200 + len(state.recent("telegram", chat))})
    if method not in ("sendMessage", "sendPhoto", "sendVideo"):
        return tg_error(404, "Not Found")
    if not chat:
        return tg_error(400, "Bad Request: chat_id is empty")
    field = {"sendPhoto": "photo", "sendVideo": "video"}.get(method)
    text = str(form.get("text") if field is None else form.get("caption") or "")
    if field and not isinstance(form.get(field), bytes):
        return tg_error(400, f"Bad Request: there is no {field} in the request")
    if field is None and not text:
        return tg_error(400, "Bad Request: message text is empty")
    limit = 4096 if field is None else 1024
    if len(text) > limit:
        return tg_error(400, "Bad Request: message is too long")
    message_id = state.next_id()
    state.add_post("telegram", chat, field or "text", text, {}, post_id=f"tg{message_id}")
    return Reply(
        200,
        {
            "ok": True,
            "result": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": -1001234567890, "type": "channel", "username": chat.lstrip("@")},
                ("text" if field is None else "caption"): text,
            },
        },
    )


# --- X API v2 -------------------------------------------------------------------------------


def x_error(status: int, title: str, detail: str, **headers: str) -> Reply:
    return Reply(
        status, {"title": title, "detail": detail, "type": "about:blank", "status": status}, headers
    )


def x_token(req: Request) -> str:
    return req.bearer()


def x_fault(kind: str) -> Reply:
    if kind == "http_429":
        return x_error(
            429,
            "Too Many Requests",
            "Too Many Requests",
            **{
                "x-rate-limit-limit": "100",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(time.time()) + 5),
            },
        )
    if kind == "expired_token":
        return x_error(401, "Unauthorized", "Unauthorized")
    return x_error(503, "Service Unavailable", "Service Unavailable")


def x_unauthorized() -> Reply:
    return x_error(401, "Unauthorized", "Unauthorized")


def x_handle(state: SandboxState, req: Request) -> Reply:
    p, m = req.parts, req.method
    if p[:1] != ["2"]:
        return x_error(404, "Not Found", "Unknown path")
    p = p[1:]
    if p == ["users", "me"]:
        return Reply(200, {"data": {"id": "1600000000000000001", "username": "phuxanh_sandbox"}})
    if p[:2] == ["media", "upload"]:
        return _x_media(state, req, p[2:])
    if m == "POST" and p == ["media", "metadata"]:
        return Reply(200, {"data": {"associated_metadata": True}})
    if m == "POST" and p == ["tweets"]:
        return _x_tweet(state, req)
    if m == "GET" and len(p) == 3 and p[0] == "users" and p[2] == "tweets":
        rows = state.recent("x")[: int(req.query.get("max_results", "10"))]
        return Reply(
            200,
            {
                "data": [{"id": r["id"], "text": r["message"]} for r in rows],
                "meta": {"result_count": len(rows)},
            },
        )
    if m == "GET" and len(p) == 2 and p[0] == "tweets" and p[1] in state.posts:
        post = state.posts[p[1]]
        age = time.time() - post["created_at"]
        out: dict[str, Any] = {"id": post["id"], "text": post["message"]}
        if "public_metrics" in req.query.get("tweet.fields", ""):
            out["public_metrics"] = {
                name: synthetic(post["id"], name, age) // div
                for name, div in (
                    ("impression_count", 1),
                    ("like_count", 20),
                    ("reply_count", 90),
                    ("retweet_count", 60),
                    ("quote_count", 300),
                    ("bookmark_count", 200),
                )
            }
        return Reply(200, {"data": out})
    return x_error(404, "Not Found Error", f"Could not find {m} /{'/'.join(req.parts)}")


def _x_tweet(state: SandboxState, req: Request) -> Reply:
    body = req.json()
    text = str(body.get("text") or "")
    if any(r["message"] == text for r in state.recent("x")):
        return x_error(
            403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
        )
    media_ids = (body.get("media") or {}).get("media_ids") or []
    for media_id in media_ids:
        upload = state.uploads.get(f"x:{media_id}")
        if upload is None or not upload.get("final"):
            return x_error(400, "Invalid Request", f"media id {media_id} is not ready")
    tweet_id = str(1_900_000_000_000_000_000 + state.next_id())
    state.add_post(
        "x",
        "me",
        "media" if media_ids else "text",
        text,
        {"media_ids": media_ids},
        post_id=tweet_id,
    )
    return Reply(
        201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}}
    )


def _x_media(state: SandboxState, req: Request, rest: list[str]) -> Reply:
    if req.method == "GET":  # ?command=STATUS&media_id=
        upload = state.uploads.get(f"x:{req.query.get('media_id')}")
        if upload is None:
            return x_error(400, "Invalid Request", "unknown media_id")
        return Reply(200, {"data": {"id": upload["id"], "processing_info": _x_info(state, upload)}})
    if rest == ["initialize"]:
        body = req.json()
        media_id = str(1_800_000_000_000_000_000 + state.next_id())
        state.uploads[f"x:{media_id}"] = {
            "id": media_id,
            "bytes": 0,
            "final": None,
            "total": int(body.get("total_bytes") or 0),
            "video": str(body.get("media_type", "")).startswith("video/"),
        }
        return Reply(
            200,
            {"data": {"id": media_id, "media_key": f"7_{media_id}", "expires_after_secs": 86400}},
        )
    upload = state.uploads.get(f"x:{rest[0]}") if rest else None
    if upload is None:
        return x_error(400, "Invalid Request", "unknown media id")
    if rest[1:] == ["append"]:
        chunk = req.form().get("media")
        upload["bytes"] += len(chunk) if isinstance(chunk, bytes) else 0
        return Reply(200, {})
    if rest[1:] == ["finalize"]:
        if upload["bytes"] != upload["total"]:
            return x_error(400, "Invalid Request", "segments do not add up to total_bytes")
        upload["final"] = time.time()
        out: dict[str, Any] = {"id": upload["id"]}
        if upload["video"]:
            out["processing_info"] = _x_info(state, upload)
        return Reply(200, {"data": out})
    return x_error(404, "Not Found", "unknown media command")


def _x_info(state: SandboxState, upload: dict[str, Any]) -> dict[str, Any]:
    if upload["final"] is not None and state.processed(upload["final"]):
        return {"state": "succeeded", "progress_percent": 100}
    return {"state": "in_progress", "check_after_secs": 1, "progress_percent": 50}
