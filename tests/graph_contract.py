"""A second Graph API server, written for the tests from `docs/platforms.md` §1 (Facebook
Page) alone and sharing no code with `phuxanh/sandbox/`: if the adapter and the sandbox
ever shared a misreading of Graph, this server would not share it.

It is strict where the reference is firm: the API version in every path, the token on
every Graph call (as Graph takes it: `Authorization: Bearer` or `OAuth`, or the
`access_token` parameter; `tokens_in_url` counts the calls that put it in the URL, which
proxies and logs see), `Authorization: OAuth` plus `offset` and `file_size` on the upload,
multipart `source` for photos, Reel phases in order (start → upload → finish), and
`{"error": {...}}` with code 100 for anything else. It records every request.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from phuxanh.sandbox.server import serve_in_thread

VERSION, PAGE, TOKEN = "v25.0", "987654", "contract-page-token"


class GraphContract(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.tokens_in_url = 0  # calls whose URL carried access_token or the token itself
        self.posts: dict[str, dict[str, Any]] = {}
        self.reels: dict[str, dict[str, Any]] = {}
        self.ids = itertools.count(5001)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> GraphContract:
        serve_in_thread(self)
        return self


def _error(message: str, code: int = 100, status: int = 400) -> tuple[int, dict[str, Any]]:
    return status, {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "contract",
        }
    }


class _Handler(BaseHTTPRequestHandler):
    server: GraphContract

    def log_message(self, *args: object) -> None:
        return

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _fields(self, body: bytes) -> dict[str, Any]:
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("multipart/form-data"):
            message = email.message_from_bytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + body, policy=email.policy.HTTP
            )
            out: dict[str, Any] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                raw = part.get_payload(decode=True) or b""
                out[str(name)] = raw if part.get_filename() else raw.decode()
            return out
        if ctype.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(body.decode()))
        return {}

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fields = {**query, **self._fields(body)}
        parts = [p for p in url.path.split("/") if p]
        with self.server.lock:
            self.server.calls.append(
                (self.command, url.path, {k: v for k, v in fields.items() if isinstance(v, str)})
            )
            if "access_token" in query or TOKEN in self.path:
                self.server.tokens_in_url += 1
        self._reply(*self._route(parts, fields, body))

    do_GET = do_POST = _handle

    def _route(
        self, parts: list[str], f: dict[str, Any], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        s = self.server
        if parts[:1] == ["video-upload"]:  # the rupload host, here under the same server
            if (
                self.headers.get("Authorization") != f"OAuth {TOKEN}"
                or self.headers.get("offset") != "0"
                or self.headers.get("file_size") != str(len(body))
            ):
                return _error("upload needs Authorization: OAuth, offset and file_size")
            reel = s.reels.get(parts[-1])
            if reel is None or reel["phase"] != "started":
                return _error("unknown or finished upload session")
            reel["phase"] = "uploaded"
            return 200, {"success": True}
        if parts[:1] != [VERSION]:
            return _error(f"unknown API version in {'/'.join(parts)}", code=2500)
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        given = value if scheme in ("Bearer", "OAuth") else f.get("access_token")
        if given != TOKEN:
            return _error("Error validating access token", code=190, status=401)
        path, method = parts[1:], self.command
        if method == "POST" and path == [PAGE, "feed"] and f.get("message"):
            post_id = f"{PAGE}_{next(s.ids)}"
            s.posts[post_id] = {"message": f["message"], "link": f.get("link")}
            return 200, {"id": post_id}
        if method == "POST" and path == [PAGE, "photos"] and isinstance(f.get("source"), bytes):
            photo, post_id = str(next(s.ids)), f"{PAGE}_{next(s.ids)}"
            s.posts[post_id] = {"message": f.get("caption", ""), "photo": photo}
            return 200, {"id": photo, "post_id": post_id}
        if method == "POST" and path == [PAGE, "video_reels"]:
            return self._reel_phase(f)
        if method == "GET" and len(path) == 2 and path[1] == "insights" and f.get("metric"):
            names = f["metric"].split(",")
            return 200, {
                "data": [
                    {
                        "name": n,
                        "period": "lifetime",
                        "id": f"{path[0]}/{n}",
                        "values": [{"value": 40 + i}],
                    }
                    for i, n in enumerate(names)
                ]
            }
        if method == "GET" and path == ["me"]:
            return 200, {"id": PAGE, "name": "Trang TTĐN (contract)"}
        if method == "GET" and len(path) == 1:
            return self._object(path[0], f.get("fields", ""))
        return _error(f"unsupported {method} {'/'.join(path)}")

    def _reel_phase(self, f: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        s = self.server
        if f.get("upload_phase") == "start":
            video_id = str(next(s.ids))
            s.reels[video_id] = {"phase": "started", "polls": 0}
            return 200, {
                "video_id": video_id,
                "upload_url": f"{s.url}/video-upload/{VERSION}/{video_id}",
            }
        reel = s.reels.get(str(f.get("video_id")))
        if (
            f.get("upload_phase") != "finish"
            or reel is None
            or reel["phase"] != "uploaded"
            or f.get("video_state") != "PUBLISHED"
        ):
            return _error("finish needs an uploaded video_id and video_state=PUBLISHED")
        reel |= {"phase": "finished", "description": f.get("description", "")}
        return 200, {"success": True}

    def _object(self, object_id: str, fields: str) -> tuple[int, dict[str, Any]]:
        s = self.server
        counts = {
            "comments": {"data": [], "summary": {"total_count": 2}},
            "reactions": {"data": [], "summary": {"total_count": 7}},
        }
        if "shares" in fields and (object_id in s.reels or object_id in s.posts):
            return 200, {"id": object_id, **counts}  # shares left out: nobody shared
        if object_id in s.reels:
            reel = s.reels[object_id]
            reel["polls"] += 1
            done = reel["phase"] == "finished" and reel["polls"] > 1  # processing at first
            phase = (
                "complete"
                if done
                else ("in_progress" if reel["phase"] == "finished" else "not_started")
            )
            return 200, {
                "id": object_id,
                "permalink_url": f"/reel/{object_id}",
                "status": {
                    "video_status": "ready" if done else "processing",
                    "uploading_phase": {
                        "status": "complete" if reel["phase"] != "started" else "in_progress"
                    },
                    "processing_phase": {"status": phase},
                    "publishing_phase": {"status": phase},
                },
            }
        if object_id in s.posts:
            return 200, {
                "id": object_id,
                "is_published": True,
                "permalink_url": f"https://www.facebook.com/{object_id}",
            }
        return _error(f"Unsupported get request. Object with ID '{object_id}' does not exist")
