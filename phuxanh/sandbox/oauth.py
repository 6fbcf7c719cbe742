"""The OAuth 2.0 refresh grant of YouTube (Google), TikTok, X and Zalo OA, as the sandbox
serves it: under each platform's prefix at the path its adapter uses off the official host
(`/youtube/oauth2/v4/token`, `/tiktok/v2/oauth/token/`, `/x/2/oauth2/token`,
`/zalo/v4/oa/access_token`).

Grants are registered by tests (`POST /_sandbox/oauth {"platform", "refresh_token",
"client_id", "client_secret"}`). Access tokens it issues expire after `token_ttl_s`
(`{"token_ttl_s": 2}`; `{"revoke_access": true}` kills every issued access token at
once). TikTok, X and Zalo rotate refresh tokens: each is good for one refresh, as their
newer docs say, so a refresh token spent twice is refused, exactly the failure a
per-channel refresh lock prevents. Error shapes: Google and X `{"error",
"error_description"}` with 400; TikTok the same plus `log_id`; Zalo HTTP 200 with a
negative `error` (its codes are unverified; -14014 is the sandbox's choice).
"""

from __future__ import annotations

import secrets
import time
from base64 import b64decode
from typing import Any

from phuxanh.sandbox.core import Reply, Request, SandboxState

PATHS = {
    "youtube": ["oauth2", "v4", "token"],
    "tiktok": ["v2", "oauth", "token"],
    "x": ["2", "oauth2", "token"],
    "zalo": ["v4", "oa", "access_token"],
}
ROTATES = {"tiktok", "x", "zalo"}


def is_token_path(platform: str, parts: list[str]) -> bool:
    return PATHS.get(platform) == parts


def register(state: SandboxState, asked: dict[str, Any]) -> Reply:
    with state.lock:
        if "token_ttl_s" in asked:
            state.token_ttl_s = float(asked["token_ttl_s"])
        if asked.get("revoke_access"):
            state.issued.clear()
        if asked.get("refresh_token"):
            if asked.get("platform") not in PATHS:
                return Reply(400, {"error": f"platform must be one of {sorted(PATHS)}"})
            state.grants[str(asked["refresh_token"])] = {
                "platform": asked["platform"],
                "client_id": asked.get("client_id"),
                "client_secret": asked.get("client_secret"),
                "live": True,
            }
        return Reply(
            200,
            {
                "token_ttl_s": state.token_ttl_s,
                "grants": len(state.grants),
                "refreshes": dict(state.refreshes),
            },
        )


def _client(platform: str, req: Request) -> tuple[str | None, str | None, str | None]:
    """(client id, client secret, refresh token) in the platform's own fields."""
    form = req.form()
    token = form.get("refresh_token")
    if platform == "tiktok":
        return form.get("client_key"), form.get("client_secret"), token
    if platform == "zalo":
        return form.get("app_id"), req.headers.get("secret_key"), token
    if platform == "x" and req.headers.get("authorization", "").startswith("Basic "):
        user, _, password = b64decode(req.headers["authorization"][6:]).decode().partition(":")
        return user, password, token
    return form.get("client_id"), form.get("client_secret"), token


def _refused(platform: str, error: str, description: str) -> Reply:
    if platform == "zalo":
        return Reply(
            200,
            {
                "error": -14014,
                "error_name": "Invalid refresh token",
                "error_reason": description,
                "error_description": description,
            },
        )
    body: dict[str, Any] = {"error": error, "error_description": description}
    if platform == "tiktok":
        body["log_id"] = secrets.token_hex(8)
    return Reply(400, body)


def handle(state: SandboxState, platform: str, req: Request) -> Reply:
    client_id, client_secret, token = _client(platform, req)
    if req.form().get("grant_type") != "refresh_token":
        return _refused(platform, "unsupported_grant_type", "only refresh_token is served")
    with state.lock:
        grant = state.grants.get(token or "")
        if grant is None or grant["platform"] != platform or not grant["live"]:
            state.refreshes["refused"] = state.refreshes.get("refused", 0) + 1
            return _refused(
                platform,
                "invalid_grant",
                "Token has been expired or revoked."
                if grant is None or grant["live"]
                else "refresh token was already used",
            )
        if grant["client_id"] != client_id or (
            grant["client_secret"] and grant["client_secret"] != client_secret
        ):
            state.refreshes["refused"] = state.refreshes.get("refused", 0) + 1
            return _refused(platform, "invalid_client", "The OAuth client was not found.")
        access = f"{platform}-at-{secrets.token_hex(8)}"
        state.issued[access] = time.time() + state.token_ttl_s
        new_refresh = token or ""
        if platform in ROTATES:
            grant["live"] = False
            new_refresh = f"{platform}-rt-{secrets.token_hex(8)}"
            state.grants[new_refresh] = {**grant, "live": True}
        state.refreshes[platform] = state.refreshes.get(platform, 0) + 1
        ttl = int(state.token_ttl_s)
    if platform == "youtube":
        return Reply(
            200,
            {
                "access_token": access,
                "expires_in": ttl,
                "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/youtube.upload",
            },
        )
    if platform == "tiktok":
        return Reply(
            200,
            {
                "access_token": access,
                "expires_in": ttl,
                "open_id": "sandbox",
                "refresh_token": new_refresh,
                "refresh_expires_in": 15552000,
                "scope": "video.publish,video.upload",
                "token_type": "Bearer",
            },
        )
    if platform == "x":
        return Reply(
            200,
            {
                "token_type": "bearer",
                "expires_in": ttl,
                "access_token": access,
                "scope": "tweet.write users.read tweet.read media.write offline.access",
                "refresh_token": new_refresh,
            },
        )
    return Reply(
        200, {"access_token": access, "refresh_token": new_refresh, "expires_in": str(ttl)}
    )


def accepts(state: SandboxState, token: str) -> bool:
    """A fixed sandbox token, or an issued access token that has not expired."""
    if token in state.tokens:
        return True
    with state.lock:
        return state.issued.get(token, 0.0) > time.time()
