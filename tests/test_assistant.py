"""The optional writing assistant against a fake OpenAI-compatible endpoint on 127.0.0.1:
what it drafts is labelled machine-drafted; when it fails, composing carries on."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from phuxanh import jobs
from phuxanh.core.settings import get_settings
from phuxanh.sandbox.server import serve_in_thread
from tests.test_compose import BILINGUAL, _blank_english_title, _campaign, _drafts

THEMES = (
    "bau-cu-2026",
    "hai-phong-cang-xanh",
    "doi-ngoai-apec-2027",
    "dai-hoi-xiv",
    "thong-tin-chinh-thong",
)


class FakeChat(BaseHTTPRequestHandler):
    status = 200
    asked: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChat.asked.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        prompt = body["messages"][-1]["content"]
        answer = "Hai Phong, a green port city" if prompt.startswith("Dịch") else "?"
        reply = {"choices": [{"message": {"role": "assistant", "content": answer}}]}
        data = json.dumps(reply).encode()
        self.send_response(FakeChat.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeChat]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    serve_in_thread(server)
    FakeChat.asked, FakeChat.status = [], 200
    monkeypatch.setenv("PHUXANH_ASSISTANT_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("PHUXANH_ASSISTANT_KEY", "test-key")
    get_settings.cache_clear()
    yield FakeChat
    server.shutdown()
    server.server_close()


def _missing_english(db_url: str) -> None:
    _campaign(db_url, BILINGUAL, dt.date(2026, 3, 2), 3)
    for code in THEMES:
        _blank_english_title(db_url, code)


# composing dozens of cards and clips is the subject, not the database: SQLite only (the
# demo fortnight composes on PostgreSQL too)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_assistant_drafts_missing_translations_labelled(db_url: str, chat) -> None:
    _missing_english(db_url)
    done = jobs.compose_range(database_url=db_url)
    assert done["held"] == {}
    assert not [n for n in done["notes"] if n.startswith("assistant")]
    bilingual = [
        i
        for i, _, c, _ in _drafts(db_url)
        if c.code in ("x-hp", "tg-hp") and not i.content_ref.startswith("countdown:")
    ]
    assert bilingual
    for item in bilingual:
        assert item.machine_drafted and "EN: Hai Phong, a green port city" in item.caption
    others = [i for i, _, c, _ in _drafts(db_url) if c.code not in ("x-hp", "tg-hp")]
    assert not any(i.machine_drafted for i in others)  # only what it actually wrote
    first = chat.asked[0]
    assert first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer test-key"
    assert first["body"]["messages"][0]["role"] == "system"


# composing dozens of cards and clips is the subject, not the database: SQLite only (the
# demo fortnight composes on PostgreSQL too)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_failing_assistant_never_blocks_composing(db_url: str, chat) -> None:
    chat.status = 500
    _missing_english(db_url)
    done = jobs.compose_range(database_url=db_url)
    assert done["rendered"] == len(_drafts(db_url)) and done["skipped"] == []
    assert "assistant: HTTP 500" in done["notes"]
    held = [i for i, _, c, _ in _drafts(db_url) if i.hold_reasons]
    assert held and all(not i.machine_drafted for i in held)
    assert all(any("no en text" in r for r in i.hold_reasons) for i in held)


def test_without_a_url_there_is_no_assistant(db_url: str) -> None:
    from phuxanh.compose.assistant import Assistant

    assert Assistant.from_settings(get_settings()) is None
