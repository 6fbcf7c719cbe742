"""`catalog check`: the real catalog passes; broken copies fail with file:line: field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.catalog.themes import check_catalog
from phuxanh.core.errors import ValidationFailed
from phuxanh.models import Fact, Theme

ROOT = Path(__file__).resolve().parent.parent
THEME = "themes/bau-cu-2026.yaml"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "content"


def _problems(root: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as err:
        check_catalog(root)
    return err.value.problems


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_real_catalog_passes_with_five_sourced_facts_per_theme() -> None:
    catalog = check_catalog(ROOT / "content")
    assert {t.code for t in catalog.themes} >= {
        "dai-hoi-xiv",
        "bau-cu-2026",
        "doi-ngoai-apec-2027",
        "hai-phong-cang-xanh",
        "thong-tin-chinh-thong",
    }
    for theme in catalog.themes:
        assert len(theme.facts) >= 5
        assert all(f.source.number or f.source.url for f in theme.facts)


def test_unsourced_fact_names_file_line_and_field(copy: Path) -> None:
    path = copy / THEME
    text = path.read_text()
    text = text.replace(
        "number: 85/2015/QH13, issuer: Quốc hội, date: 2015-06-25}", "issuer: Quốc hội}", 1
    )
    path.write_text(text)
    line = _line_of(path, "Luật Bầu cử đại biểu Quốc hội và đại biểu Hội đồng nhân dân, Điều 1")
    problems = _problems(copy)
    assert problems == [
        f"{path}:{line}: facts[1].source: a source needs a document number "
        "or a URL a reader can check"
    ]


def test_yaml_syntax_error_has_its_line(copy: Path) -> None:
    path = copy / THEME
    lines = path.read_text().splitlines()
    lines[5] = "title: [unclosed"
    path.write_text("\n".join(lines))
    (problem,) = _problems(copy)
    assert re.match(rf"^{re.escape(str(path))}:\d+: \(yaml\): ", problem)


def test_too_few_facts(copy: Path) -> None:
    path = copy / THEME
    text = path.read_text()
    path.write_text(text[: text.index("  - id: bc-tuoi-bau-cu")])
    (problem,) = _problems(copy)
    assert problem.startswith(f"{path}:{_line_of(path, 'facts:')}: facts: ")
    assert "at least 5" in problem


def test_unknown_directive(copy: Path) -> None:
    path = copy / THEME
    path.write_text(path.read_text().replace('"05-HD/ĐU:II.1.2"', '"99-XX/YY:1"'))
    line = _line_of(path, "99-XX/YY")
    assert _problems(copy) == [
        f"{path}:{line}: directives[0]: unknown directive '99-XX/YY' (not in content/directives)"
    ]


def test_duplicate_key_is_reported(copy: Path) -> None:
    path = copy / THEME
    path.write_text(path.read_text().replace("sensitive", "x") + "\ncode: again\n")
    problems = _problems(copy)
    assert any(p.endswith(": code: duplicate key") for p in problems)


def test_load_is_idempotent_and_nfc(db_url: str) -> None:
    first = jobs.load_catalog(db_url)
    second = jobs.load_catalog(db_url)
    assert first == second
    with Session(jobs.engine(db_url)) as s:
        assert len(s.exec(select(Theme)).all()) == first["themes"]
        facts = s.exec(select(Fact)).all()
        assert len(facts) == first["facts"] >= 25
        assert all(f.is_sourced for f in facts)


def test_hostile_yaml_in_the_catalog_is_named_by_file_and_line(copy: Path) -> None:
    """An alias bomb (9^9 strings once expanded) is refused at its first anchor, fast, and
    an impossible date is a `file:line: field` problem beside the other files' problems."""
    import time

    from tests.test_yamlio import alias_bomb

    bomb = copy / "themes" / "zz-bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    path = copy / THEME
    text = path.read_text(encoding="utf-8")
    first_date = next(line for line in text.splitlines() if "date: 20" in line)
    path.write_text(
        text.replace(first_date, first_date.split("date:")[0] + "date: 2026-02-30", 1),
        encoding="utf-8",
    )
    started = time.monotonic()
    problems = _problems(copy)
    assert time.monotonic() - started < 2.0
    line = _line_of(path, "date: 2026-02-30")
    assert (
        f"{bomb}:1: a: anchor &a: anchors (&) and aliases (*) are not allowed; write the "
        "value out" in problems
    )
    assert any(
        p.startswith(f"{path}:{line}: ")
        and p.endswith("'2026-02-30' is not a date (YYYY-MM-DD) (day is out of range for month)")
        for p in problems
    ), problems
