"""The dashboard's own HTTP routes, served next to Streamlit's (`st.App`, see
streamlit_app.py): they set and clear the session cookie, and keep /media/ to browsers
with a live session.

A Streamlit script talks to the browser over a websocket and cannot set a cookie, let alone
an HttpOnly one. So the sign-in form (a script) makes the session with a single-use,
one-minute hand-off code (phuxanh/core/auth.py), and the page posts that code here; the answer
sets the cookie: a random 256-bit token, HttpOnly (no script can read it), SameSite=Strict
(no other site's page can send it), Secure and `__Host-` over https, for as long as the
session lasts. Only the token's SHA-256 is stored. On a reload the script reads the cookie
from the websocket's handshake (`st.context.cookies`). Nothing secret is ever in a URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from phuxanh.core import auth
from phuxanh.core.db import get_engine
from phuxanh.models import utcnow

COOKIE = "phuxanh_session"
SECURE_COOKIE = "__Host-phuxanh_session"  # over https: Secure, Path=/ and no Domain, enforced
SESSION_PATH = "/_phuxanh/session"
SIGN_OUT_PATH = "/_phuxanh/sign-out"


def base_path() -> str:
    """Streamlit's `server.baseUrlPath` as a prefix ("" or "/desk")."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def cookie_token(cookies: Any) -> str | None:
    """The session token among a request's cookies (either name); None without one."""
    for name in (SECURE_COOKIE, COOKIE):
        value = cookies.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _same_origin(request: Request) -> bool:
    """Only the desk's own pages may post here: the browser says where a request comes
    from (Origin, Sec-Fetch-Site) and a page cannot lie about it."""
    if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return False
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc == request.headers.get("host")


def _claim(code: str) -> tuple[str, int] | None:
    with Session(get_engine(), expire_on_commit=False) as session:
        claimed = auth.claim_handoff(session, code)
        session.commit()
    if claimed is None:
        return None
    token, expires = claimed
    return token, max(0, int((expires - utcnow()).total_seconds()))


def _end(token: str | None) -> None:
    if not token:
        return
    with Session(get_engine(), expire_on_commit=False) as session:
        auth.end_session(session, token=token)
        session.commit()


def _answer(status: int) -> Response:
    return Response(status_code=status, headers={"Cache-Control": "no-store"})


async def claim_session(request: Request) -> Response:
    """POST the hand-off code (the body, text): 204 and the cookie, or 400."""
    if not _same_origin(request):
        return _answer(403)
    code = (await request.body())[:200].decode("ascii", "replace").strip()
    claimed = await run_in_threadpool(_claim, code) if code else None
    if claimed is None:
        return _answer(400)
    token, max_age = claimed
    secure = request.url.scheme == "https"
    response = _answer(204)
    response.set_cookie(
        SECURE_COOKIE if secure else COOKIE,
        token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    return response


async def sign_out(request: Request) -> Response:
    """POST: end the session the cookie names (if it still lives) and clear the cookie."""
    if not _same_origin(request):
        return _answer(403)
    await run_in_threadpool(_end, cookie_token(request.cookies))
    response = _answer(204)
    for name, secure in ((COOKIE, False), (SECURE_COOKIE, True)):
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="strict")
    return response


def _live(token: str) -> bool:
    with Session(get_engine(), expire_on_commit=False) as session:
        return auth.session_user(session, token=token) is not None


class MediaGate:
    """Streamlit serves cards, clips and downloads under /media/ by unguessable names; the
    desk serves them only to a browser whose cookie names a live session, so a copied link
    shows nothing outside the office and nothing once its session ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.prefix = base_path() + "/media/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.prefix):
            token = cookie_token(HTTPConnection(scope).cookies)
            if token is None or not await run_in_threadpool(_live, token):
                await _answer(403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def routes() -> list[Route]:
    base = base_path()
    return [
        Route(base + SESSION_PATH, claim_session, methods=["POST"]),
        Route(base + SIGN_OUT_PATH, sign_out, methods=["POST"]),
    ]


def middleware() -> list[Middleware]:
    return [Middleware(MediaGate)]
