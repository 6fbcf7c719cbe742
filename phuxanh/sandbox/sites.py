"""Sandboxed WordPress REST API (application passwords) and Zalo OA article API."""

from __future__ import annotations

import base64
import time
from typing import Any

from phuxanh.sandbox.core import Reply, Request, SandboxState
from phuxanh.sandbox.graph import synthetic

# --- WordPress: /wp-json/wp/v2/...; errors {"code", "message", "data": {"status"}} ---------


def wp_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"code": code, "message": message, "data": {"status": status}})


def wp_token(req: Request) -> str:
    auth = req.headers.get("authorization", "")
    if not auth.startswith("Basic "):
        return ""
    _user, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
    return password


def wp_fault(kind: str) -> Reply:
    if kind == "http_429":  # core has no limits; a proxy or security plugin answers so
        return Reply(
            429,
            {"code": "too_many_requests", "message": "Slow down", "data": {"status": 429}},
            {"Retry-After": "5"},
        )
    if kind == "expired_token":
        return wp_unauthorized()
    return wp_error(500, "internal_server_error", "There has been a critical error.")


def wp_unauthorized() -> Reply:
    return wp_error(
        401, "incorrect_password", "The provided password is an invalid application password."
    )


def wp_handle(state: SandboxState, req: Request) -> Reply:
    p, m = req.parts, req.method
    if p[:3] != ["wp-json", "wp", "v2"]:
        return wp_error(404, "rest_no_route", "No route was found matching the URL")
    p = p[3:]
    if p == ["users", "me"]:
        return Reply(200, {"id": 1, "name": "Ban biên tập"})
    if m == "POST" and p == ["media"]:
        if not req.body:
            return wp_error(400, "rest_upload_no_data", "No data supplied.")
        media_id = 5000 + state.next_id()
        name = req.headers.get("content-disposition", "").partition("filename=")[2].strip('"')
        state.uploads[f"wp:{media_id}"] = {"bytes": len(req.body), "name": name}
        return Reply(201, {"id": media_id, "source_url": f"{req.base}/wp-content/uploads/{name}"})
    if m == "POST" and len(p) == 2 and p[0] == "media":
        return Reply(200, {"id": int(p[1]), "alt_text": req.json().get("alt_text")})
    if m == "POST" and p == ["posts"]:
        body = req.json()
        slug = str(body.get("slug") or "post")
        taken = {r["slug"] for r in state.recent("wordpress")}
        final, n = slug, 2
        while final in taken:  # WordPress keeps slugs unique by suffixing
            final, n = f"{slug}-{n}", n + 1
        post_id = str(100 + state.next_id())
        state.add_post(
            "wordpress",
            "site",
            "post",
            str(body.get("title") or ""),
            {"slug": final, "content": body.get("content"), "status": body.get("status", "draft")},
            post_id=post_id,
        )
        return Reply(201, _wp_post(req, state.posts[post_id]))
    if m == "GET" and p == ["posts"]:
        rows = [
            r
            for r in state.recent("wordpress")
            if not req.query.get("slug") or r["slug"] == req.query["slug"]
        ]
        return Reply(200, [_wp_post(req, r) for r in rows])
    if m == "GET" and len(p) == 2 and p[0] == "posts" and p[1] in state.posts:
        return Reply(200, _wp_post(req, state.posts[p[1]]))
    return wp_error(404, "rest_no_route", "No route was found matching the URL and method")


def _wp_post(req: Request, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "slug": row["slug"],
        "status": row["status"],
        "link": f"{req.base}/{row['slug']}/",
        "title": {"rendered": row["message"]},
    }


# --- Zalo OA: /v2.0/...; failures are HTTP 200 with error != 0 ------------------------------


def zalo_error(code: int, message: str, status: int = 200) -> Reply:
    return Reply(status, {"error": code, "message": message})


def zalo_token(req: Request) -> str:
    return req.headers.get("access_token", "")


def zalo_fault(kind: str) -> Reply:
    if kind == "http_429":  # rate limits are unverified; this follows Zalo's error style
        return zalo_error(-32, "Request exceeded rate limit")
    if kind == "expired_token":
        return zalo_unauthorized()
    return zalo_error(-1, "Internal server error", status=500)


def zalo_unauthorized() -> Reply:
    return zalo_error(-216, "Access token is invalid")


def zalo_handle(state: SandboxState, req: Request) -> Reply:
    p, m = req.parts, req.method
    if p[:1] != ["v2.0"]:
        return zalo_error(-201, "Unknown endpoint", status=404)
    p = p[1:]
    if p == ["oa", "getoa"]:
        return Reply(200, {"error": 0, "data": {"oa_id": "2000000001", "name": "TTĐN sandbox"}})
    if m == "POST" and p == ["article", "create"]:
        body = req.json()
        title = str(body.get("title") or "")
        if not title or len(title) > 150 or len(str(body.get("description") or "")) > 300:
            return zalo_error(-201, "title or description missing or too long")
        token = f"zt{state.next_id()}"
        article_id = f"za{state.next_id()}"
        state.add_post(
            "zalo",
            "oa",
            str(body.get("type")),
            title,
            {"description": body.get("description"), "token": token},
            post_id=article_id,
        )
        state.uploads[f"zalo:{token}"] = {"id": article_id}
        return Reply(200, {"error": 0, "message": "Success", "data": {"token": token}})
    if m == "POST" and p == ["article", "verify"]:
        found = state.uploads.get(f"zalo:{req.json().get('token')}")
        if found is None:
            return zalo_error(-201, "token is invalid")
        return Reply(200, {"error": 0, "message": "Success", "data": {"id": found["id"]}})
    if m == "POST" and p == ["article", "upload_video", "preparevideo"]:
        token = f"zv{state.next_id()}"
        state.uploads[f"zalo:{token}"] = {"at": time.time(), "video_id": f"vid{state.next_id()}"}
        return Reply(200, {"error": 0, "data": {"token": token}})
    if m == "GET" and p == ["article", "upload_video", "verify"]:
        video = state.uploads.get(f"zalo:{req.query.get('token')}")
        if video is None or "video_id" not in video:
            return zalo_error(-201, "token is invalid")
        done = state.processed(video["at"])
        return Reply(
            200,
            {
                "error": 0,
                "data": {"status": 1 if done else 3, "video_id": video["video_id"] if done else ""},
            },
        )
    if m == "GET" and p == ["article", "getslice"]:
        kind = req.query.get("type", "normal")
        rows = [r for r in state.recent("zalo") if r["kind"] == kind]
        medias = [
            {
                "id": r["id"],
                "title": r["message"],
                "description": r["description"],
                "status": "show",
                "create_date": int(r["created_at"] * 1000),
                "total_view": synthetic(r["id"], "view", time.time() - r["created_at"]),
                "total_share": synthetic(r["id"], "share", 0) // 50,
            }
            for r in rows
        ]
        return Reply(200, {"error": 0, "data": {"medias": medias, "total": len(medias)}})
    return zalo_error(-201, "Unknown endpoint", status=404)
