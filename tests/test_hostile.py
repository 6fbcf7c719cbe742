"""Hostile invocations of every command: each must end in a non-zero exit, one readable line
on stderr naming what is wrong, no traceback, and no change to the database.

The commands run in-process through `phuxanh.cli.main` (the console entry point, with its
error handling), against one small planned and rendered campaign. Before and after each
case every table is read in full and hashed: a failed command that wrote half its work (a
campaign row without its channels, an audit row for a refused action) fails its case.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from phuxanh import jobs
from phuxanh.core.db import engine_for
from phuxanh.core.settings import get_settings
from phuxanh.sandbox.server import start_in_thread
from tests import helpers
from tests.helpers import run_cli

SECRET = "S3cr3tPassw0rd"


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    expect: str  # a fragment the error line must contain (case-insensitive)
    env: dict[str, str] = field(default_factory=dict)
    db: bool = True  # pass --database {db} (the prepared campaign)
    forbid: str = ""  # a fragment the output must never contain (a secret)
    lines: int = 1  # lines on stderr: one, or one per problem where there are several


def _png_bomb(path: Path, width: int = 40_000, height: int = 40_000) -> None:
    """A valid PNG header declaring 1.6 Gpx with a tiny body: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


YAML_BOMB = """a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

HOSTILE_YAML = {
    "bomb.yaml": YAML_BOMB,
    "recursive.yaml": "a: &a [*a]\n",
    "deep.yaml": "a: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "listkey.yaml": "? [1, 2]\n: x\n",
    "binary.yaml": "code: !!binary not-base64-%%%\n",
    "badint.yaml": "code: !!int nope\n",
    "badtime.yaml": "code: !!timestamp nope\n",
    "feb30.yaml": "code: x\ndate: 2026-02-30\n",
    "empty.yaml": "",
    "toplist.yaml": "- 1\n- 2\n",
    "tabs.yaml": "a:\n\t- b\n",
    "unclosed.yaml": 'a: "never closed\n',
    "python.yaml": "a: !!python/object/apply:os.system ['true']\n",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One planned and rendered campaign, and a folder of hostile files."""
    root = tmp_path_factory.mktemp("hostile")
    saved = {k: os.environ.get(k) for k in ("PHUXANH_MEDIA_DIR", "DATABASE_URL")}
    os.environ["PHUXANH_MEDIA_DIR"] = str(root / "media")
    get_settings.cache_clear()
    url = f"sqlite:///{root / 'campaign.db'}"
    jobs.init_db(url)
    server = start_in_thread(tokens={"sandbox-page-token"})
    helpers.planned_and_rendered(url, server.public_url, days=1)
    files = root / "files"
    files.mkdir()
    for name, body in HOSTILE_YAML.items():
        (files / name).write_text(body, encoding="utf-8")
    (files / "big.yaml").write_text("a: " + "x" * (30 * 1024 * 1024) + "\n", encoding="utf-8")
    (files / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (files / "latin1.txt").write_bytes("Hải Phòng".encode("utf-16"))
    (files / "empty.txt").write_bytes(b"")
    (files / "huge.txt").write_text("Hải Phòng. " * 600_000, encoding="utf-8")
    (files / "notes.txt").write_text("not an image\n", encoding="utf-8")
    (files / "fake.png").write_text("not a png\n", encoding="utf-8")
    (files / "fake.mp3").write_text("not music\n", encoding="utf-8")
    (files / "broken.json").write_text('{"title": ', encoding="utf-8")
    (files / "adir").mkdir()
    (files / "garbage.db").write_bytes(b"this is not a database" * 100)
    _png_bomb(files / "bomb.png")
    demo_text = Path("content/campaigns/demo.yaml").read_text(encoding="utf-8")
    for name, secret in (
        ("secret-key", "PHUXANH_SECRET_KEY"),
        ("db-url", "DATABASE_URL"),
        ("audit-key", "PHUXANH_AUDIT_KEY"),
        ("path", "PATH"),
    ):
        (files / f"campaign-{name}.yaml").write_text(
            demo_text.replace(
                "credential_env: PHUXANH_SANDBOX_TOKEN", f"credential_env: {secret}", 1
            ),
            encoding="utf-8",
        )
    # another campaign that claims the demo's channel for itself
    (files / "campaign-shared.yaml").write_text(
        demo_text.replace("code: demo-2026", "code: other-2026", 1), encoding="utf-8"
    )
    (files / "campaign-nounit.yaml").write_text(
        demo_text.replace("unit: {code: ttdn-haiphong", "unit: {code: ''", 1), encoding="utf-8"
    )
    (files / "feeds-internal-text.yaml").write_text(
        "unit: ttdn-haiphong\nauthor: lan.nguyen\nchannels: [fb-ttdn-haiphong]\n"
        "feeds:\n  - {code: a, outlet: A, url: 'http://127.0.0.1:9/rss', internal: 'yes'}\n",
        encoding="utf-8",
    )
    (files / "secret.env").write_text(f"PHUXANH_AUDIT_KEY={SECRET}\n", encoding="utf-8")
    card = files / "card.yaml"
    card.write_text("title: Hải Phòng\n", encoding="utf-8")
    yield {"db": url, "tmp": str(root), "files": str(files), "sandbox": server.public_url}
    server.shutdown()
    engine_for(url).dispose()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


def _digest(url: str) -> str:
    """Every row of every table, hashed: equal digests mean nothing was written."""
    h = hashlib.sha256()
    with engine_for(url).connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(text(f'SELECT * FROM "{table.name}" ORDER BY 1')).all()
            h.update(f"{table.name}:{len(rows)}:{rows!r}".encode())
    return h.hexdigest()


F = "{files}"
BAD_TIMES = (
    "notatime",
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59-12:00",
    "2026-13-45T08:00+07:00",
    "2026-02-30T08:00+07:00",
    "2026-03-15T25:00+07:00",
    "",
    "2026-03-15T08:00+25:00",
)
BAD_DBS = (
    ("scheme", "nosuchscheme://x/y", "database"),
    ("missing-dir", "sqlite:////proc/nonexistent/x.db", "database"),
    ("closed-port", f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/db", "database"),
    ("no-driver", f"postgresql+psycopg2://u:{SECRET}@127.0.0.1:1/db", "database"),
    ("a-folder", "sqlite:///{files}/adir", "database"),
    ("garbage", "sqlite:///{files}/garbage.db", "database"),
    ("empty", "", "database"),
)
DB_COMMANDS = (
    ("item-list", ("item", "list")),
    ("audit-verify", ("audit", "verify")),
    ("publish-due", ("publish", "due")),
    ("metrics-collect", ("metrics", "collect")),
    ("channel-list", ("channel", "list")),
    ("compose", ("compose",)),
    ("report", ("report", "--period", "2026-Q1", "-o", "{tmp}/r.docx")),
    ("init", ("init",)),
)

CASES: list[Case] = []
for i, t in enumerate(BAD_TIMES):
    CASES.append(Case(f"publish-now-{i}", ("publish", "due", "--now", t), "--now"))
for i, t in enumerate(BAD_TIMES[:4]):
    CASES.append(Case(f"metrics-now-{i}", ("metrics", "collect", "--now", t), "--now"))
for i, t in enumerate(BAD_TIMES):
    CASES.append(
        Case(
            f"item-create-at-{i}",
            (
                "item",
                "create",
                "--channel",
                "fb-ttdn-haiphong",
                "--text",
                "Tin",
                "--at",
                t,
                "--as",
                "lan.nguyen",
            ),
            "--at",
        )
    )
for i, t in enumerate(("notaday", "2026-13-45", "0000-01-01", "31/02/2026")):
    CASES.append(
        Case(
            f"render-today-{i}",
            (
                "render",
                "card",
                "--template",
                "fact-number",
                "--data",
                "content/samples/fact-number.yaml",
                "-o",
                "{tmp}/c.png",
                "--today",
                t,
            ),
            "--today",
            db=False,
        )
    )
for i, p in enumerate(
    ("0001-Q1", "0000", "2026-Q5", "2026-13", "2026-H3", "", "abc", "99999", "2026-Q0", "2026-00")
):
    CASES.append(
        Case(f"report-period-{i}", ("report", "--period", p, "-o", "{tmp}/r.docx"), "--period")
    )
for i, (a, b) in enumerate(
    (
        ("31/02/2026", "01/03/2026"),
        ("01/03/2026", "notaday"),
        ("0001-01-01", "0001-01-02"),
        ("10/03/2026", "01/03/2026"),
    )
):
    CASES.append(
        Case(
            f"plan-dates-{i}",
            ("plan", "--campaign", "content/campaigns/demo.yaml", "--from", a, "--to", b),
            "--",
        )
    )
for i, t in enumerate(("notaday", "2026-02-30")):
    CASES.append(Case(f"compose-from-{i}", ("compose", "--from", t), "--from"))
for name, cmd in DB_COMMANDS:
    for tag, url, expect in BAD_DBS:
        CASES.append(
            Case(f"db-{name}-{tag}", (*cmd, "--database", url), expect, db=False, forbid=SECRET)
        )
CASES += [
    Case(
        "db-env-secret",
        ("item", "list"),
        "database",
        db=False,
        forbid=SECRET,
        env={"DATABASE_URL": f"postgresql+psycopg2://u:{SECRET}@127.0.0.1:1/db"},
    ),
    # users
    Case(
        "user-empty",
        ("user", "add", "", "--unit", "ttdn-haiphong", "--role", "editor", "--password-env", "PW"),
        "user",
        env={"PW": "long-enough-pass-1"},
    ),
    Case(
        "user-long",
        (
            "user",
            "add",
            "a" * 5000,
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--password-env",
            "PW",
        ),
        "user",
        env={"PW": "long-enough-1"},
    ),
    Case(
        "user-esc",
        (
            "user",
            "add",
            "bad\x1b[31m",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--password-env",
            "PW",
        ),
        "user",
        env={"PW": "long-enough-1"},
    ),
    Case(
        "user-newline",
        (
            "user",
            "add",
            "a\nb",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--password-env",
            "PW",
        ),
        "user",
        env={"PW": "long-enough-1"},
    ),
    Case(
        "user-space",
        (
            "user",
            "add",
            "lan nguyen",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--password-env",
            "PW",
        ),
        "user",
        env={"PW": "long-enough-1"},
    ),
    Case(
        "user-role",
        (
            "user",
            "add",
            "new.one",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "god",
            "--password-env",
            "PW",
        ),
        "role",
        env={"PW": "long-enough-1"},
    ),
    Case(
        "user-unit",
        ("user", "add", "new.one", "--unit", "nope", "--role", "editor", "--password-env", "PW"),
        "unit",
        env={"PW": "long-enough-1"},
    ),
    Case(
        "user-name-esc",
        (
            "user",
            "add",
            "new.one",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--name",
            "X\x1bY",
            "--password-env",
            "PW",
        ),
        "name",
        env={"PW": "long-enough-1"},
    ),
    Case(
        "user-name-long",
        (
            "user",
            "add",
            "new.one",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--name",
            "N" * 3000,
            "--password-env",
            "PW",
        ),
        "name",
        env={"PW": "long-enough-1"},
    ),
    Case(
        "user-email",
        (
            "user",
            "add",
            "new.one",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--email",
            "not-an-email",
            "--password-env",
            "PW",
        ),
        "email",
        env={"PW": "long-enough-1"},
    ),
    Case(
        "user-sso-noemail",
        ("user", "add", "new.one", "--unit", "ttdn-haiphong", "--role", "editor", "--sso-only"),
        "email",
    ),
    Case(
        "user-pw-unset",
        (
            "user",
            "add",
            "new.one",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--password-env",
            "PHUXANH_NO_SUCH_VAR",
        ),
        "PHUXANH_NO_SUCH",
    ),
    Case(
        "user-duplicate",
        (
            "user",
            "add",
            "lan.nguyen",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--password-env",
            "PW",
        ),
        "lan.nguyen",
        env={"PW": "long-enough-1"},
    ),
    # items
    Case(
        "item-channel",
        (
            "item",
            "create",
            "--channel",
            "nope",
            "--text",
            "Tin",
            "--at",
            "2026-03-20T08:00+07:00",
            "--as",
            "lan.nguyen",
        ),
        "nope",
    ),
    Case(
        "item-as-nobody",
        (
            "item",
            "create",
            "--channel",
            "fb-ttdn-haiphong",
            "--text",
            "Tin",
            "--at",
            "2026-03-20T08:00+07:00",
            "--as",
            "nobody",
        ),
        "nobody",
    ),
    Case(
        "item-text-empty",
        (
            "item",
            "create",
            "--channel",
            "fb-ttdn-haiphong",
            "--text",
            "",
            "--at",
            "2026-03-20T08:00+07:00",
            "--as",
            "lan.nguyen",
        ),
        "text",
    ),
    Case(
        "item-media-missing",
        (
            "item",
            "create",
            "--channel",
            "fb-ttdn-haiphong",
            "--text",
            "Tin",
            "--at",
            "2026-03-20T08:00+07:00",
            "--as",
            "lan.nguyen",
            "--media",
            "{files}/nope.png",
        ),
        "nope.png",
    ),
    Case(
        "item-media-dir",
        (
            "item",
            "create",
            "--channel",
            "fb-ttdn-haiphong",
            "--text",
            "Tin",
            "--at",
            "2026-03-20T08:00+07:00",
            "--as",
            "lan.nguyen",
            "--media",
            "{files}/adir",
        ),
        "adir",
    ),
    Case(
        "item-media-fake",
        (
            "item",
            "create",
            "--channel",
            "fb-ttdn-haiphong",
            "--text",
            "Tin",
            "--at",
            "2026-03-20T08:00+07:00",
            "--as",
            "lan.nguyen",
            "--media",
            "{files}/fake.png",
        ),
        "fake.png",
    ),
    Case(
        "item-media-bomb",
        (
            "item",
            "create",
            "--channel",
            "fb-ttdn-haiphong",
            "--text",
            "Tin",
            "--at",
            "2026-03-20T08:00+07:00",
            "--as",
            "lan.nguyen",
            "--media",
            "{files}/bomb.png",
        ),
        "bomb.png",
    ),
    Case(
        "item-theme",
        (
            "item",
            "create",
            "--channel",
            "fb-ttdn-haiphong",
            "--text",
            "Tin",
            "--at",
            "2026-03-20T08:00+07:00",
            "--as",
            "lan.nguyen",
            "--theme",
            "no-such-theme",
        ),
        "no-such-theme",
    ),
    Case("item-approve-nan", ("item", "approve", "abc", "--as", "minh.tran"), "ID"),
    Case("item-approve-missing", ("item", "approve", "999999", "--as", "minh.tran"), "999999"),
    Case("item-approve-nobody", ("item", "approve", "1", "--as", "nobody"), "nobody"),
    Case("item-approve-draft", ("item", "approve", "1", "--as", "minh.tran"), "1"),
    Case("item-list-state", ("item", "list", "--state", "bogus"), "bogus"),
    Case("item-sample-dir", ("item", "sample", "-o", "{files}/adir"), "-o"),
    Case("item-sample-missing", ("item", "sample", "-o", "{tmp}/no/such/dir/s.md"), "-o"),
    # publications
    Case(
        "resolve-missing",
        ("publication", "resolve", "999999", "--as", "minh.tran", "--cancel", "x"),
        "999999",
    ),
    Case(
        "resolve-js",
        ("publication", "resolve", "1", "--as", "minh.tran", "--live", "javascript:alert(1)"),
        "--live",
    ),
    Case(
        "resolve-data",
        ("publication", "resolve", "1", "--as", "minh.tran", "--live", "data:text/html,<b>x</b>"),
        "--live",
    ),
    Case(
        "resolve-markup",
        ("publication", "resolve", "1", "--as", "minh.tran", "--live", "<script>x</script>"),
        "--live",
    ),
    Case(
        "resolve-ftp",
        ("publication", "resolve", "1", "--as", "minh.tran", "--live", "ftp://example.vn/x"),
        "--live",
    ),
    Case("resolve-none", ("publication", "resolve", "1", "--as", "minh.tran"), "--"),
    Case(
        "resolve-two",
        ("publication", "resolve", "1", "--as", "minh.tran", "--not-sent", "--cancel", "x"),
        "--",
    ),
    Case(
        "resolve-nobody",
        ("publication", "resolve", "1", "--as", "nobody", "--cancel", "x"),
        "nobody",
    ),
    Case(
        "resolve-editor",
        ("publication", "resolve", "1", "--as", "lan.nguyen", "--cancel", "x"),
        "lan.nguyen",
    ),
    Case(
        "resolve-at",
        ("publication", "resolve", "1", "--as", "minh.tran", "--not-sent", "--at", "9999-99-99"),
        "--at",
    ),
    # pause
    Case("pause-nobody", ("pause", "--reason", "bão", "--as", "nobody"), "nobody"),
    Case("pause-editor", ("pause", "--reason", "bão", "--as", "lan.nguyen"), "lan.nguyen"),
    Case("pause-reason", ("pause", "--reason", "", "--as", "minh.tran"), "reason"),
    Case(
        "pause-channel",
        ("pause", "--reason", "bão", "--channel", "nope", "--as", "minh.tran"),
        "nope",
    ),
    Case("resume-nobody", ("resume", "--as", "nobody"), "nobody"),
    Case("resume-channel", ("resume", "--channel", "nope", "--as", "minh.tran"), "nope"),
    # channels
    Case(
        "channel-platform",
        (
            "channel",
            "add",
            "--platform",
            "myspace",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "TOK",
        ),
        "myspace",
    ),
    Case(
        "channel-secret-key",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "PHUXANH_SECRET_KEY",
        ),
        "PHUXANH_SECRET_KEY",
    ),
    Case(
        "channel-db-url",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "DATABASE_URL",
        ),
        "DATABASE_URL",
    ),
    Case(
        "channel-api-js",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "TOK",
            "--api-base",
            "javascript:alert(1)",
        ),
        "--api-base",
    ),
    Case(
        "channel-api-file",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "TOK",
            "--api-base",
            "file:///etc/passwd",
        ),
        "--api-base",
    ),
    Case(
        "channel-unit",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "TOK",
            "--unit",
            "nope",
        ),
        "nope",
    ),
    Case(
        "channel-name",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "",
            "--account-id",
            "1",
            "--credential-env",
            "TOK",
        ),
        "--name",
    ),
    Case(
        "channel-account",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "",
            "--credential-env",
            "TOK",
        ),
        "--account-id",
    ),
    Case(
        "channel-code",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "TOK",
            "--code",
            "../x",
        ),
        "--code",
    ),
    Case(
        "channel-duplicate",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "TOK",
            "--code",
            "fb-ttdn-haiphong",
        ),
        "fb-ttdn-haiphong",
    ),
    Case(
        "channel-env-name",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "A B;rm",
        ),
        "--credential-env",
    ),
    Case(
        "channel-api-port",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "TOK",
            "--api-base",
            "https://graph.example.vn:99999",
        ),
        "--api-base",
    ),
    Case(
        "channel-api-userinfo",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "TOK",
            "--api-base",
            f"https://u:{SECRET}@graph.example.vn",
        ),
        "--api-base",
        forbid=SECRET,
    ),
    Case(
        "channel-api-control",
        (
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "X",
            "--account-id",
            "1",
            "--credential-env",
            "TOK",
            "--api-base",
            "https://graph.example.vn/\n\x1b[31m",
        ),
        "--api-base",
    ),
    Case(
        "resolve-userinfo",
        (
            "publication",
            "resolve",
            "1",
            "--as",
            "minh.tran",
            "--live",
            f"https://admin:{SECRET}@evil.example/x",
        ),
        "--live",
    ),
    Case(
        "audit-head-file-secret",
        ("audit", "verify", "--head-file", "{files}/secret.env"),
        "head",
        forbid=SECRET,
    ),
    Case(
        "item-media-approver",
        (
            "item",
            "create",
            "--channel",
            "fb-ttdn-haiphong",
            "--text",
            "Tin",
            "--at",
            "2026-03-20T08:00+07:00",
            "--as",
            "minh.tran",
            "--media",
            "tests/data/tiny.png",
        ),
        "minh.tran",
    ),
    Case(
        "resolve-huge-id",
        ("publication", "resolve", "9" * 20, "--as", "minh.tran", "--cancel", "x"),
        "ID",
    ),
    Case("approve-huge-id", ("item", "approve", "9" * 20, "--as", "minh.tran"), "ID"),
    Case("approve-zero-id", ("item", "approve", "0", "--as", "minh.tran"), "ID"),
    Case(
        "resolve-cancel-escape",
        ("publication", "resolve", "1", "--as", "minh.tran", "--cancel", "ok\x1b[2J"),
        "--cancel",
    ),
    Case(
        "pause-reason-escape",
        ("pause", "--reason", "bão\nline2\x1b[31m", "--as", "minh.tran"),
        "--reason",
    ),
    Case("pause-reason-long", ("pause", "--reason", "b" * 5000, "--as", "minh.tran"), "--reason"),
    Case(
        "user-password-env-db",
        (
            "user",
            "add",
            "new.one",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--password-env",
            "DATABASE_URL",
        ),
        "--password-env",
        forbid="campaign.db",
    ),
    Case(
        "user-reset-password-env-key",
        (
            "user",
            "reset-password",
            "lan.nguyen",
            "--password-env",
            "PHUXANH_SECRET_KEY",
            "--as",
            "minh.tran",
        ),
        "--password-env",
    ),
    Case("channel-check", ("channel", "check", "--channel", "nope"), "nope"),
    Case("best-time", ("metrics", "best-time", "--channel", "nope"), "nope"),
    # reports and exports
    Case(
        "report-format",
        ("report", "--period", "2026-Q1", "-o", "{tmp}/r.exe", "--format", "exe"),
        "--format",
    ),
    Case(
        "report-out-missing",
        ("report", "--period", "2026-Q1", "-o", "{tmp}/no/such/dir/r.docx"),
        "-o",
    ),
    Case("report-out-dir", ("report", "--period", "2026-Q1", "-o", "{files}/adir"), "-o"),
    Case(
        "report-unit",
        ("report", "--period", "2026-Q1", "-o", "{tmp}/r.docx", "--unit", "nope"),
        "nope",
    ),
    Case("audit-export-missing", ("audit", "export", "-o", "{tmp}/no/such/dir/a.csv"), "-o"),
    Case("audit-export-dir", ("audit", "export", "-o", "{files}/adir"), "-o"),
    # directives
    Case("directive-missing", ("directive", "import", "{files}/nope.txt"), "nope.txt", db=False),
    Case("directive-empty", ("directive", "import", "{files}/empty.txt"), "empty.txt", db=False),
    Case("directive-binary", ("directive", "import", "{files}/binary.bin"), "binary.bin", db=False),
    Case("directive-utf16", ("directive", "import", "{files}/latin1.txt"), "latin1.txt", db=False),
    Case("directive-huge", ("directive", "import", "{files}/huge.txt"), "huge.txt", db=False),
    Case("directive-dir", ("directive", "import", "{files}/adir"), "adir", db=False),
    Case(
        "directive-out",
        (
            "directive",
            "import",
            "content/directives/text/05-HD-DU_2026_TTDN-nam-2026_DH-Y-Duoc-HP.txt",
            "-o",
            "{tmp}/no/such/dir/d.yaml",
        ),
        "-o",
        db=False,
    ),
    # media
    Case(
        "render-template",
        (
            "render",
            "card",
            "--template",
            "nope",
            "--data",
            "{files}/card.yaml",
            "-o",
            "{tmp}/c.png",
        ),
        "nope",
        db=False,
    ),
    Case(
        "render-data-missing",
        (
            "render",
            "card",
            "--template",
            "fact-number",
            "--data",
            "{files}/nope.yaml",
            "-o",
            "{tmp}/c.png",
        ),
        "nope.yaml",
        db=False,
    ),
    Case(
        "render-data-json",
        (
            "render",
            "card",
            "--template",
            "fact-number",
            "--data",
            "{files}/broken.json",
            "-o",
            "{tmp}/c.png",
        ),
        "broken.json",
        db=False,
    ),
    Case(
        "render-lang",
        (
            "render",
            "card",
            "--template",
            "fact-number",
            "--data",
            "content/samples/fact-number.yaml",
            "-o",
            "{tmp}/c.png",
            "--lang",
            "xx",
        ),
        "--lang",
        db=False,
    ),
    Case(
        "render-brand-escape",
        (
            "render",
            "card",
            "--template",
            "fact-number",
            "--data",
            "content/samples/fact-number.yaml",
            "-o",
            "{tmp}/c.png",
            "--brand",
            "../../content/campaigns/demo",
        ),
        "--brand",
        db=False,
    ),
    Case(
        "render-brand-missing",
        (
            "render",
            "card",
            "--template",
            "fact-number",
            "--data",
            "content/samples/fact-number.yaml",
            "-o",
            "{tmp}/c.png",
            "--brand",
            "nope",
        ),
        "nope",
        db=False,
    ),
    Case(
        "render-out-missing",
        (
            "render",
            "card",
            "--template",
            "fact-number",
            "--data",
            "content/samples/fact-number.yaml",
            "-o",
            "{tmp}/no/such/dir/c.png",
        ),
        "-o",
        db=False,
    ),
    Case(
        "render-out-dir",
        (
            "render",
            "card",
            "--template",
            "fact-number",
            "--data",
            "content/samples/fact-number.yaml",
            "-o",
            "{files}/adir",
        ),
        "-o",
        db=False,
    ),
    Case(
        "clip-preset",
        (
            "render",
            "clip",
            "--template",
            "short-points",
            "--data",
            "content/samples/short-points.yaml",
            "-o",
            "{tmp}/c.mp4",
            "--preset",
            "warp9",
        ),
        "--preset",
        db=False,
    ),
    Case(
        "clip-music-missing",
        (
            "render",
            "clip",
            "--template",
            "short-points",
            "--data",
            "content/samples/short-points.yaml",
            "-o",
            "{tmp}/c.mp4",
            "--music",
            "{files}/nope.mp3",
        ),
        "nope.mp3",
        db=False,
    ),
    Case(
        "clip-music-fake",
        (
            "render",
            "clip",
            "--template",
            "short-points",
            "--data",
            "content/samples/short-points.yaml",
            "-o",
            "{tmp}/c.mp4",
            "--music",
            "{files}/fake.mp3",
        ),
        "fake.mp3",
        db=False,
    ),
    Case(
        "clip-template",
        (
            "render",
            "clip",
            "--template",
            "nope",
            "--data",
            "content/samples/short-points.yaml",
            "-o",
            "{tmp}/c.mp4",
        ),
        "nope",
        db=False,
    ),
    Case("sheet-out-dir", ("template", "sheet", "-o", "{files}/adir"), "-o", db=False),
    Case(
        "sheet-brand",
        ("template", "sheet", "-o", "{tmp}/s.png", "--brand", "../../x"),
        "--brand",
        db=False,
    ),
    Case(
        "sheet-lang", ("template", "sheet", "-o", "{tmp}/s.png", "--lang", "xx"), "--lang", db=False
    ),
    Case(
        "media-missing",
        ("media", "check", "{files}/nope.mp4", "--platform", "tiktok"),
        "nope.mp4",
        db=False,
    ),
    Case(
        "media-text",
        ("media", "check", "{files}/notes.txt", "--platform", "tiktok"),
        "notes.txt",
        db=False,
    ),
    Case(
        "media-platform",
        ("media", "check", "{files}/notes.txt", "--platform", "myspace"),
        "myspace",
        db=False,
    ),
    Case(
        "media-bomb",
        ("media", "check", "{files}/bomb.png", "--platform", "facebook"),
        "bomb.png",
        db=False,
    ),
    # feeds
    Case("feeds-missing", ("feeds", "poll", "--file", "{files}/nope.yaml"), "nope.yaml"),
    Case("feeds-timeout-neg", ("feeds", "poll", "--timeout", "-1"), "--timeout"),
    Case("feeds-timeout-nan", ("feeds", "poll", "--timeout", "nan"), "--timeout"),
    Case("feeds-timeout-zero", ("feeds", "poll", "--timeout", "0"), "--timeout"),
    # servers: refused before anything starts
    Case("sandbox-port", ("sandbox", "serve", "--port", "70000"), "--port", db=False),
    Case("sandbox-port-neg", ("sandbox", "serve", "--port", "-1"), "--port", db=False),
]
# hostile YAML through every reader
for name in HOSTILE_YAML:
    if name == "empty.yaml":
        continue
    CASES.append(
        Case(f"catalog-check-{name}", ("catalog", "check", F + "/" + name), name, db=False)
    )
    CASES.append(
        Case(
            f"plan-{name}",
            ("plan", "--campaign", F + "/" + name, "--from", "09/03/2026", "--to", "10/03/2026"),
            name,
        )
    )
for name in ("bomb.yaml", "recursive.yaml", "deep.yaml", "listkey.yaml", "feb30.yaml", "big.yaml"):
    CASES.append(
        Case(
            f"render-data-{name}",
            (
                "render",
                "card",
                "--template",
                "fact-number",
                "--data",
                F + "/" + name,
                "-o",
                "{tmp}/c.png",
            ),
            name,
            db=False,
        )
    )
    CASES.append(Case(f"feeds-file-{name}", ("feeds", "poll", "--file", F + "/" + name), name))
for name, expect in (
    ("secret-key", "PHUXANH_SECRET_KEY"),
    ("db-url", "DATABASE_URL"),
    ("audit-key", "PHUXANH_AUDIT_KEY"),
    ("path", "PATH"),
    ("shared", "fb-ttdn-haiphong"),
    ("nounit", "unit"),
):
    CASES.append(
        Case(
            f"plan-campaign-{name}",
            (
                "plan",
                "--campaign",
                F + f"/campaign-{name}.yaml",
                "--from",
                "09/03/2026",
                "--to",
                "10/03/2026",
            ),
            expect,
            lines=3 if name == "shared" else 1,
        )
    )
CASES.append(
    Case(
        "feeds-internal-text",
        ("feeds", "poll", "--file", F + "/feeds-internal-text.yaml"),
        "internal",
    )
)
CASES.append(Case("catalog-load-bomb", ("catalog", "load", F + "/bomb.yaml"), "bomb.yaml"))
CASES.append(Case("catalog-check-big", ("catalog", "check", F + "/big.yaml"), "big.yaml", db=False))
CASES.append(
    Case(
        "plan-big",
        ("plan", "--campaign", F + "/big.yaml", "--from", "09/03/2026", "--to", "10/03/2026"),
        "big.yaml",
    )
)


def test_enough_cases() -> None:
    assert len(CASES) >= 150, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES), "case ids are unique"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_invocation(
    case: Case,
    world: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PHUXANH_MEDIA_DIR", str(Path(world["tmp"]) / "media"))
    monkeypatch.setenv("DATABASE_URL", world["db"])
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    fill: Callable[[str], str] = lambda s: s.format(**world)  # noqa: E731
    argv = [fill(a) for a in case.argv]
    if case.db:
        argv += ["--database", world["db"]]
    before = _digest(world["db"])
    code, out, err = run_cli(capsys, *argv)
    after = _digest(world["db"])
    lines = [line for line in err.splitlines() if line.strip()]
    shown = f"exit {code}\nstdout: {out[-2000:]}\nstderr: {err[-2000:]}"
    assert code != 0, shown
    assert "Traceback" not in out + err, shown
    assert 1 <= len(lines) <= case.lines, shown
    assert case.expect.lower() in lines[0].lower(), shown
    if case.forbid:
        assert case.forbid not in out + err, shown
    assert before == after, f"the database changed\n{shown}"
    leftovers = [p for p in Path(world["tmp"]).rglob("*.part")]
    assert not leftovers, leftovers
    uploads = Path(world["tmp"]) / "media" / "uploads"  # a refused upload leaves no copy
    assert not uploads.is_dir() or not any(uploads.iterdir()), list(uploads.iterdir())
