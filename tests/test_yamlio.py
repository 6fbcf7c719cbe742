"""Hostile YAML (alias bombs, self-references, deep nesting, odd keys and tags, impossible
dates, huge or binary files) ends in one `file:line: field: problem` line per problem, fast,
with libyaml's parser and with PyYAML's pure-Python one alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from phuxanh.core import yamlio
from phuxanh.core.errors import ValidationFailed
from phuxanh.core.yamlio import MAX_BYTES, MAX_DEPTH, load_located

LOADERS = [pytest.param(yaml.SafeLoader, id="python")]
if hasattr(yaml, "CSafeLoader"):
    LOADERS.insert(0, pytest.param(yaml.CSafeLoader, id="libyaml"))


@pytest.fixture(params=LOADERS)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(yamlio, "_LOADER", request.param)
    yield


def alias_bomb() -> str:
    """The "billion laughs": nine levels of nine aliases, 9^9 strings once expanded."""
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
    return text


HOSTILE = [
    ("alias-bomb", alias_bomb(), ":1: a: anchor &a: anchors (&) and aliases (*) are not allowed"),
    ("self-alias", "code: x\nlist: &x [*x]\n", ":2: list: anchor &x:"),
    ("alias-only", "code: &c x\nname: *c\n", ":1: code: anchor &c:"),
    ("deep-list", "a: " + "[" * 50_000 + "]" * 50_000 + "\n", ":1: "),
    (
        "deep-map",
        "a: " + "{b: " * 50_000 + "1" + "}" * 50_000 + "\n",
        f":1: a.b.b.b.b.b…: nested more than {MAX_DEPTH} levels deep",
    ),
    ("list-key", "code: x\n? [a, b]\n: 1\n", ":2: (document): a key must be plain text"),
    ("map-key", "code: x\nfacts:\n  {a: 1}: 2\n", ":3: facts: a key must be plain text"),
    ("binary", "code: x\nname: !!binary 'not base64!!'\n", ":2: name: tag !!binary is not allowed"),
    (
        "python-object",
        "code: !!python/object/apply:os.system [ls]\n",
        ":1: code: tag !!python/object/apply:os.system is not allowed",
    ),
    ("unknown-tag", "code: x\nname: !vui hè\n", ":2: name: tag !vui is not allowed"),
    ("set", "code: x\ntags: !!set {a, b}\n", ":2: tags: tag !!set is not allowed"),
    ("bad-int", "code: x\nweight: !!int nhiều\n", ":2: weight: 'nhiều' is not an integer"),
    ("bad-float", "code: x\nweight: !!float abc\n", ":2: weight: 'abc' is not a number"),
    ("bad-bool", "code: x\nactive: !!bool maybe\n", ":2: active: 'maybe' is not true or false"),
    (
        "bad-timestamp",
        "code: x\nwhen: !!timestamp soon\n",
        ":2: when: 'soon' is not a date (YYYY-MM-DD)",
    ),
    (
        "impossible-date",
        "code: x\ndates:\n  - date: 2026-02-30\n",
        ":3: dates[0].date: '2026-02-30' is not a date (YYYY-MM-DD) (day is out of range",
    ),
    ("year-zero", "date: 0000-01-01\n", ":1: date: '0000-01-01' is not a date"),
    ("huge-int", "n: " + "9" * 5000 + "\n", ":1: n: '99999"),
    ("control-char", "code: x\nname: a\x01b\n", ":2: (file): character 0x0001 is not allowed"),
    ("nul", "code: x\nname: a\x00b\n", ":2: (file): character 0x0000 is not allowed"),
    ("two-documents", "a: 1\n---\nb: 2\n", ":2: (document): more than one document"),
    ("duplicate", "code: x\nfooter:\n  vi: a\n  vi: b\n", ":4: footer.vi: duplicate key"),
    ("syntax", "code: [x\nname: y\n", ": (yaml): "),
    ("syntax-after-a-duplicate", "a: 1\na: 2\nb: [x\nc: y\n", ":4: (yaml): "),
    ("empty", "", ":1: (file): empty document"),
]


@pytest.mark.parametrize(("name", "text", "expected"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_yaml_is_one_located_problem(
    loader: None, tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:  # refused by rule, not after expanding it
        load_located(path)
    problems = err.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:"), problems
    assert expected in problems[0], problems
    assert "\n" not in problems[0] and "Traceback" not in problems[0]


def test_every_bad_value_in_a_file_is_reported_at_once(loader: None, tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("a: 2026-02-30\nb: ok\nc: !!int x\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        load_located(path)
    assert [p.split(": ", 2)[:2] for p in err.value.problems] == [
        [f"{path}:1", "a"],
        [f"{path}:3", "c"],
    ]


def test_oversized_binary_and_missing_files_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: '" + b"x" * MAX_BYTES + b"'\n")
    binary = tmp_path / "logo.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    for path, expected in (
        (big, ":1: (file): larger than 2 MB"),
        (binary, ":1: (file): not UTF-8 text"),
        (tmp_path / "nowhere.yaml", ":1: (file): cannot read"),
        (tmp_path, ":1: (file): not a regular file"),
    ):
        with pytest.raises(ValidationFailed) as err:
            load_located(path)
        assert err.value.problems == [err.value.problems[0]]
        assert err.value.problems[0].startswith(f"{path}{expected}"), err.value.problems


def test_keys_are_names_as_written(loader: None, tmp_path: Path) -> None:
    path = tmp_path / "keys.yaml"
    path.write_text("1: a\nyes: b\n2026-01-01: c\n~: d\n<<: e\nf: =\n", encoding="utf-8")
    doc = load_located(path)
    assert doc.data == {"1": "a", "yes": "b", "2026-01-01": "c", "~": "d", "<<": "e", "f": "="}
    assert doc.line_of(("2026-01-01",)) == 3


def test_plain_yaml_still_reads_with_lines(loader: None, tmp_path: Path) -> None:
    import datetime as dt

    path = tmp_path / "ok.yaml"
    path.write_text(
        "code: x\nn: 3\nday: 2026-04-18\nflag: true\nname: !!str 12\nitems:\n  - a\n  - {b: 1}\n",
        encoding="utf-8",
    )
    doc = load_located(path)
    assert doc.data == {
        "code": "x",
        "n": 3,
        "day": dt.date(2026, 4, 18),
        "flag": True,
        "name": "12",
        "items": ["a", {"b": 1}],
    }
    assert doc.line_of(("items", 1, "b")) == 8 and doc.line_of(("day",)) == 3
