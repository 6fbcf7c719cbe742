"""The command line as users and scripts run it: exit codes, one-line errors, JSON."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def phuxanh(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    """`phuxanh ARGS` in this process, through the console entry point with its own error
    handling (`cli.main.main`): its exit code, stdout and stderr, as a person sees them.
    `env` is added to the environment for the call only. Most CLI tests use this: a new
    Python process per call cost 1.5-3.6 s. The true end-to-end runs use `phuxanh_process`."""
    from phuxanh.cli import main as cli
    from phuxanh.core.settings import get_settings

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_argv = dict(os.environ), sys.argv
    os.environ.update(env or {})
    sys.argv = ["phuxanh", *args]
    get_settings.cache_clear()
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
        get_settings.cache_clear()
    return subprocess.CompletedProcess(["phuxanh", *args], code, out.getvalue(), err.getvalue())


def phuxanh_process(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m phuxanh.cli ARGS` in a new process: the command exactly as a shell runs it."""
    return subprocess.run(
        [sys.executable, "-m", "phuxanh.cli", *args],
        capture_output=True,
        check=False,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_help_lists_every_command() -> None:
    out = phuxanh_process("--help").stdout
    for command in (
        "init",
        "catalog",
        "plan",
        "render",
        "publish",
        "metrics",
        "item",
        "user",
        "audit",
        "sandbox",
        "dashboard",
        "serve",
    ):
        assert command in out


def test_catalog_check_ok_and_broken(tmp_path: Path) -> None:
    ok = phuxanh("catalog", "check")
    assert ok.returncode == 0 and "catalog ok" in ok.stdout
    shutil.copytree(ROOT / "content", tmp_path / "c")
    theme = tmp_path / "c" / "themes" / "dai-hoi-xiv.yaml"
    theme.write_text(theme.read_text().replace("  en: The 14th", "  en: TODO The 14th", 1))
    bad = phuxanh("catalog", "check", str(tmp_path / "c"))
    assert bad.returncode == 1
    assert bad.stderr.splitlines() == [f"{theme}:3: title: en: placeholder text left in"]
    assert "Traceback" not in bad.stderr


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert phuxanh_process("init", "--database", url).returncode == 0
    missing = phuxanh_process("render", "--campaign", "nope", "--database", url)
    assert missing.returncode == 1
    assert (
        missing.stderr.strip()
        == "error: campaign 'nope' is not set up (run the campaign file first)"
    )
    bad_date = phuxanh_process(
        "plan",
        "--campaign",
        "content/campaigns/demo.yaml",
        "--from",
        "32/1/2026",
        "--to",
        "2/2/2026",
        "--database",
        url,
    )
    assert (
        bad_date.returncode == 1
        and "--from" in bad_date.stderr
        and "Traceback" not in bad_date.stderr
    )


def test_plan_render_and_item_list_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    env = {"PHUXANH_MEDIA_DIR": str(tmp_path / "media")}
    assert phuxanh("init", "--database", url).returncode == 0
    assert phuxanh("catalog", "load", "--database", url).returncode == 0
    assert (
        phuxanh(
            "user", "add", "lan.nguyen", "--unit", "nope", "--role", "editor", "--database", url
        ).returncode
        == 1
    )  # unit does not exist yet
    planned = phuxanh(
        "plan",
        "--campaign",
        "content/campaigns/demo.yaml",
        "--from",
        "09/03/2026",
        "--to",
        "10/03/2026",
        "--database",
        url,
    )
    assert planned.returncode == 0, planned.stderr
    assert json.loads(planned.stdout)["planned"] == 8
    assert (
        phuxanh(
            "user",
            "add",
            "lan.nguyen",
            "--unit",
            "ttdn-haiphong",
            "--role",
            "editor",
            "--database",
            url,
        ).returncode
        == 0
    )
    rendered = phuxanh("render", "--campaign", "demo-2026", "--database", url, env=env)
    assert json.loads(rendered.stdout)["rendered"] == 8, rendered.stderr
    rows = json.loads(phuxanh("item", "list", "--json", "--database", url).stdout)
    assert len(rows) == 8
    for key in (
        "id",
        "state",
        "channel",
        "text",
        "scheduled_at",
        "remote_id",
        "remote_url",
        "last_error",
    ):
        assert key in rows[0]
    assert {r["state"] for r in rows} == {"draft"}
    assert all(Path(r["media"]).is_file() for r in rows)


def test_audit_verify_and_export(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "a.db"
    url = f"sqlite:///{db}"
    assert phuxanh("init", "--database", url).returncode == 0
    phuxanh("catalog", "load", "--database", url)
    phuxanh(
        "plan",
        "--campaign",
        "content/campaigns/demo.yaml",
        "--from",
        "09/03/2026",
        "--to",
        "09/03/2026",
        "--database",
        url,
    )
    for name in ("a.b", "c.d", "e.f"):
        assert (
            phuxanh(
                "user",
                "add",
                name,
                "--unit",
                "ttdn-haiphong",
                "--role",
                "editor",
                "--database",
                url,
            ).returncode
            == 0
        )
    ok = phuxanh("audit", "verify", "--database", url)
    assert ok.returncode == 0 and ok.stdout.startswith("audit log intact: 3 rows, head 3:")
    out = tmp_path / "audit.csv"
    exported = phuxanh("audit", "export", "-o", str(out), "--database", url)
    assert exported.stdout.strip() == f"3 audit events written to {out}"
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("id,at,actor,action")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE auditevent SET actor = 'x' WHERE id = 2")
    bad = phuxanh("audit", "verify", "--database", url)
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: audit log broken at row 2: its hash does not chain")
    assert bad.stderr.count("\n") == 1
