"""Sandboxed YouTube Data API (resumable upload, 308 + Range, processing status), YouTube
Analytics' views-by-country report of one video, and TikTok Content Posting API (init →
chunked PUT → status/fetch through moderation)."""

from __future__ import annotations

import re
import time
from typing import Any

from phuxanh.sandbox.core import Reply, Request, SandboxState
from phuxanh.sandbox.graph import synthetic

# --- YouTube: Google's {"error": {"code", "message", "errors": [{"reason"}]}} --------------


def yt_error(status: int, reason: str, message: str, **headers: str) -> Reply:
    return Reply(
        status,
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"domain": "youtube", "reason": reason, "message": message}],
            }
        },
        headers,
    )


def yt_token(req: Request) -> str:
    return req.bearer()


def yt_fault(kind: str) -> Reply:
    if kind == "http_429":
        return yt_error(429, "rateLimitExceeded", "Too many requests", **{"Retry-After": "5"})
    if kind == "expired_token":
        return yt_unauthorized()
    return yt_error(503, "backendError", "Backend Error")


def yt_unauthorized() -> Reply:
    return yt_error(401, "authError", "Request had invalid authentication credentials.")


def yt_handle(state: SandboxState, req: Request) -> Reply:
    p, m = req.parts, req.method
    if p == ["upload", "youtube", "v3", "videos"] and m == "POST":
        session = f"s{state.next_id()}"
        state.uploads[f"yt:{session}"] = {
            "resource": req.json(),
            "data": bytearray(),
            "size": int(req.headers.get("x-upload-content-length") or 0),
            "video": None,
        }
        location = f"{req.base}/upload/youtube/v3/videos?uploadType=resumable&upload_id={session}"
        return Reply(200, {}, {"Location": location})
    if p == ["upload", "youtube", "v3", "videos"] and m == "PUT":
        return _yt_put(state, req)
    if p == ["youtubeanalytics", "v2", "reports"] and m == "GET":
        return _yt_report(state, req)
    if p[:2] != ["youtube", "v3"]:
        return yt_error(404, "notFound", "Not Found")
    p = p[2:]
    if p == ["channels"]:
        return Reply(200, {"items": [{"id": "UCsandbox", "snippet": {"title": "TTĐN sandbox"}}]})
    if p == ["search"]:
        rows = state.recent("youtube")[: int(req.query.get("maxResults", "5"))]
        return Reply(
            200, {"items": [{"id": {"kind": "youtube#video", "videoId": r["id"]}} for r in rows]}
        )
    if p == ["videos"] and m == "GET":
        ids = [i for i in req.query.get("id", "").split(",") if i in state.posts]
        return Reply(200, {"items": [_yt_video(state, state.posts[i]) for i in ids]})
    return yt_error(404, "notFound", "Not Found")


def _yt_put(state: SandboxState, req: Request) -> Reply:
    upload = state.uploads.get(f"yt:{req.query.get('upload_id')}")
    if upload is None:
        return yt_error(404, "notFound", "upload session not found")
    rng = req.headers.get("content-range", "")
    if upload["video"] is not None:  # complete already: answer with the video
        return Reply(200, _yt_video(state, state.posts[upload["video"]]))
    if rng.startswith("bytes */"):
        have = len(upload["data"])
        return Reply(308, b"", {"Range": f"bytes=0-{have - 1}"} if have else {})
    first = int(rng.split(" ")[1].split("-")[0]) if rng.startswith("bytes ") else 0
    if first != len(upload["data"]):
        return Reply(308, b"", {"Range": f"bytes=0-{len(upload['data']) - 1}"})
    upload["data"] += req.body
    if len(upload["data"]) < upload["size"]:
        return Reply(308, b"", {"Range": f"bytes=0-{len(upload['data']) - 1}"})
    snippet = upload["resource"].get("snippet") or {}
    video_id = f"yt{state.next_id():09d}"
    state.add_post(
        "youtube",
        "channel",
        "video",
        str(snippet.get("title") or ""),
        {"tags": snippet.get("tags") or [], "bytes": len(upload["data"])},
        post_id=video_id,
    )
    upload["video"] = video_id
    return Reply(201, _yt_video(state, state.posts[video_id]))


def _yt_video(state: SandboxState, row: dict[str, Any]) -> dict[str, Any]:
    done = state.processed(row["created_at"])
    age = time.time() - row["created_at"]
    return {
        "kind": "youtube#video",
        "id": row["id"],
        "snippet": {
            "title": row["message"],
            "tags": row["tags"],
            "publishedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row["created_at"])),
        },
        "status": {"uploadStatus": "processed" if done else "uploaded", "privacyStatus": "public"},
        "processingDetails": {"processingStatus": "succeeded" if done else "processing"},
        "statistics": {
            "viewCount": str(synthetic(row["id"], "views", age)),
            "likeCount": str(synthetic(row["id"], "likes", age) // 15),
            "commentCount": str(synthetic(row["id"], "comments", age) // 80),
        },
    }


# --- TikTok: {"data": ..., "error": {"code": "ok" | ..., "message", "log_id"}} --------------


def tt_reply(data: dict[str, Any], code: str = "ok", message: str = "", status: int = 200) -> Reply:
    return Reply(
        status,
        {
            "data": data,
            "error": {"code": code, "message": message, "log_id": f"sandbox{int(time.time())}"},
        },
    )


def tt_token(req: Request) -> str | None:
    if req.parts[:1] == ["upload"]:
        return None  # the upload URL is pre-signed: it carries its own authority
    return req.bearer()


def tt_fault(kind: str) -> Reply:
    if kind == "http_429":
        return tt_reply({}, "rate_limit_exceeded", "Rate limit exceeded", 429)
    if kind == "expired_token":
        return tt_unauthorized()
    return tt_reply({}, "internal_error", "Internal error", 500)


def tt_unauthorized() -> Reply:
    return tt_reply({}, "access_token_invalid", "The access token is invalid or expired.", 401)


def tt_handle(state: SandboxState, req: Request) -> Reply:
    p = "/".join(req.parts)
    if p == "v2/user/info":
        return tt_reply({"user": {"open_id": "sandbox-open-id", "display_name": "TTĐN"}})
    if p == "v2/post/publish/creator_info/query":
        return tt_reply(
            {
                "privacy_level_options": ["PUBLIC_TO_EVERYONE", "SELF_ONLY"],
                "max_video_post_duration_sec": 600,
            }
        )
    if p in ("v2/post/publish/video/init", "v2/post/publish/content/init"):
        body = req.json()
        publish_id = f"v_pub_file~v2-1.{state.next_id()}"
        source = body.get("source_info") or {}
        photo = p.endswith("content/init")
        state.uploads[f"tt:{publish_id}"] = {
            "size": int(source.get("video_size") or 0),
            "data": bytearray(),
            "done": None,
            "title": (body.get("post_info") or {}).get("title", ""),
        }
        if photo:  # pulled from the URL at once
            _tt_complete(state, publish_id, "photo")
            return tt_reply({"publish_id": publish_id})
        return tt_reply(
            {"publish_id": publish_id, "upload_url": f"{req.base}/upload/?upload_id={publish_id}"}
        )
    if p == "upload" and req.method == "PUT":
        publish_id = req.query.get("upload_id", "")
        upload = state.uploads.get(f"tt:{publish_id}")
        if upload is None:
            return tt_reply({}, "invalid_params", "unknown upload", 404)
        first = int(req.headers.get("content-range", "bytes 0-").split(" ")[1].split("-")[0])
        if first == 0:
            upload["data"] = bytearray()  # a restarted upload starts again
        upload["data"] += req.body
        if len(upload["data"]) >= upload["size"] and upload["done"] is None:
            _tt_complete(state, publish_id, "video")
        return Reply(201 if upload["done"] else 206, b"")
    if p == "v2/post/publish/status/fetch":
        publish_id = str(req.json().get("publish_id"))
        upload = state.uploads.get(f"tt:{publish_id}")
        if upload is None:
            return tt_reply({}, "invalid_publish_id", "publish_id not found", 400)
        if upload["done"] is None:
            return tt_reply({"status": "PROCESSING_UPLOAD", "uploaded_bytes": len(upload["data"])})
        if not state.processed(upload["done"]):
            return tt_reply({"status": "PROCESSING_DOWNLOAD"})
        return tt_reply(
            {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [upload["post_id"]]}
        )
    if p == "v2/video/query":
        ids = (req.json().get("filters") or {}).get("video_ids") or []
        videos = []
        for vid in ids:
            row = state.posts.get(str(vid))
            if row:
                age = time.time() - row["created_at"]
                videos.append(
                    {
                        "id": vid,
                        "view_count": synthetic(vid, "v", age),
                        "like_count": synthetic(vid, "l", age) // 12,
                        "comment_count": synthetic(vid, "c", age) // 90,
                        "share_count": synthetic(vid, "s", age) // 70,
                    }
                )
        return tt_reply({"videos": videos})
    return tt_reply({}, "invalid_params", f"unknown endpoint {p}", 404)


def _tt_complete(state: SandboxState, publish_id: str, kind: str) -> None:
    upload = state.uploads[f"tt:{publish_id}"]
    upload["done"] = time.time()
    upload["post_id"] = str(7_300_000_000_000_000_000 + state.next_id())
    state.add_post(
        "tiktok",
        "creator",
        kind,
        str(upload["title"]),
        {"publish_id": publish_id},
        post_id=upload["post_id"],
    )


# YouTube Analytics (youtubeanalytics.googleapis.com/v2/reports; the adapter asks it below
# the sandbox's /youtube base): views by country of one video, in the resultTable shape

COUNTRY_MIX = (("VN", 70), ("KR", 8), ("JP", 6), ("US", 5), ("CN", 4), ("AU", 3), ("FR", 2))
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _yt_report(state: SandboxState, req: Request) -> Reply:
    """`dimensions=country&metrics=views&filters=video==ID` for `ids=channel==MINE`, the one
    report the adapter asks for; any other query is refused as YouTube refuses one it does
    not support. The video's views (as `videos.list` counts them) are split over a fixed
    mix of countries, tilted by the video id so that no two videos read alike."""
    q = req.query
    video = q.get("filters", "").removeprefix("video==")
    if (
        q.get("ids") != "channel==MINE"
        or q.get("dimensions") != "country"
        or q.get("metrics") != "views"
        or not q.get("filters", "").startswith("video==")
        or not all(DAY.match(q.get(k, "")) for k in ("startDate", "endDate"))
    ):
        return yt_error(400, "badRequest", "The query is not supported.")
    row = state.posts.get(video)
    headers = [
        {"name": "country", "columnType": "DIMENSION", "dataType": "STRING"},
        {"name": "views", "columnType": "METRIC", "dataType": "INTEGER"},
    ]
    out: dict[str, Any] = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
    if row is None or row["platform"] != "youtube":
        return Reply(200, out)  # no rows: YouTube's answer for a video with no data
    views = synthetic(row["id"], "views", time.time() - row["created_at"])
    tilt = sum(row["id"].encode()) % 5
    weights = [(code, w + (tilt if code == "KR" else 0)) for code, w in COUNTRY_MIX]
    whole = sum(w for _, w in weights)
    rows = [[code, views * w // whole] for code, w in weights]
    out["rows"] = sorted((r for r in rows if r[1]), key=lambda r: -int(r[1]))
    return Reply(200, out)
