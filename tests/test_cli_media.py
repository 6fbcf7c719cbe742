"""`phuxanh render card` and `phuxanh template list` as scripts use them: the JSON contract,
provenance in the database, and bad input as one clear error with nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.core.db import engine_for
from phuxanh.core.settings import get_settings
from phuxanh.models import Asset, Fact
from tests.helpers import refused, run_cli
from tests.test_cli import phuxanh

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "content" / "samples"


def card(tmp_path: Path, template: str, data: str | Path, *extra: str, out: str = "c.png"):
    if isinstance(data, str):
        path = tmp_path / "data.yaml"
        path.write_text(data, encoding="utf-8")
        data = path
    return phuxanh(
        "render",
        "card",
        "--template",
        template,
        "--data",
        str(data),
        "-o",
        str(tmp_path / out),
        "--database",
        f"sqlite:///{tmp_path / 'db'}",
        *extra,
    )


def test_template_list_json_is_the_documented_shape() -> None:
    done = phuxanh("template", "list", "--json")
    assert done.returncode == 0
    listed = json.loads(done.stdout)
    kinds = {t["id"]: t["kind"] for t in listed}
    assert sum(k == "card" for k in kinds.values()) >= 6 and "clip" in kinds.values()
    for t in listed:
        assert {"id", "kind", "size", "fields"} <= set(t)
        assert len(t["size"]) == 2
        for f in t["fields"]:
            assert set(f) == {"name", "type", "required", "max_chars"}
            assert f["type"] in {"text", "number", "date", "image", "list"}
    countdown = next(t for t in listed if t["id"] == "countdown")
    assert countdown["size"] == [1080, 1920]
    assert {"name": "date", "type": "date", "required": True, "max_chars": None} in countdown[
        "fields"
    ]


def test_card_from_a_catalog_fact_records_provenance(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db'}"
    jobs.init_db(url)
    jobs.load_catalog(url)
    done = card(
        tmp_path, "fact-number", "title: Bầu cử 2026\nfact: bc-tuoi-bau-cu\n", "--lang", "en"
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert Image.open(out["path"]).size == (1080, 1350)
    with Session(engine_for(url)) as session:
        fact = session.exec(select(Fact).where(Fact.code == "bc-tuoi-bau-cu")).one()
        asset = session.exec(select(Asset)).one()
    assert out["fact_ids"] == [fact.id] == asset.fact_ids
    assert (asset.template_code, asset.template_version) == ("fact-number", 1)
    assert asset.input_sha256 == out["input_sha256"] and asset.path == out["path"]


def test_a_fact_brings_its_own_source_line(tmp_path: Path) -> None:
    jobs.init_db(f"sqlite:///{tmp_path / 'db'}")
    jobs.load_catalog(f"sqlite:///{tmp_path / 'db'}")
    done = card(
        tmp_path, "fact-number", "title: T\nfact: bc-tuoi-bau-cu\nsource: 'Nguồn: tự viết'\n"
    )
    assert done.returncode == 1
    assert "source: comes from the fact 'bc-tuoi-bau-cu'" in done.stderr


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("quote: Hải Phòng\ncolour: red\n", ":2: colour: not a field of template quote"),
        ("quote: [a, b]\n", ":1: quote: expected text, got list"),
        ("quote: " + "dài " * 80 + "\n", ":1: quote: 319 characters in vi (at most 220)"),
        ("attribution: Ai đó\n", ":1: quote: required (text)"),
    ],
)
def test_bad_data_names_file_line_and_field(tmp_path: Path, data: str, expected: str) -> None:
    done = card(tmp_path, "quote", data)
    assert done.returncode == 1
    assert expected in done.stderr and str(tmp_path / "data.yaml") in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "c.png").exists()


def test_missing_and_corrupt_images_are_named(tmp_path: Path) -> None:
    base = "title: Hội nghị\ndate: 2026-04-18\ntime: '08:00'\nplace: Hải Phòng\n"
    missing = card(tmp_path, "event", base + "photo: nowhere.jpg\n")
    assert missing.returncode == 1
    assert f":5: photo: {tmp_path / 'nowhere.jpg'}: file not found" in missing.stderr
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    corrupt = card(tmp_path, "event", base + "photo: broken.jpg\n")
    assert corrupt.returncode == 1
    assert f":5: photo: {tmp_path / 'broken.jpg'}: not a readable image" in corrupt.stderr
    assert not (tmp_path / "c.png").exists()


def test_a_missing_translation_is_reported_not_made_up(tmp_path: Path) -> None:
    done = card(tmp_path, "quote", "quote: {vi: Hải Phòng xanh}\n", "--lang", "en")
    assert done.returncode == 1
    assert ":1: quote: no en text (a translation is never made up)" in done.stderr
    bilingual = card(tmp_path, "bilingual", "title: {vi: A}\ntext: {vi: B}\nsource: 'Nguồn: C'\n")
    assert "title: no en text" in bilingual.stderr


def test_text_that_cannot_fit_leaves_no_file(tmp_path: Path) -> None:
    long_words = "Hảiphòngxanhvănminhhiệnđại" * 2
    done = card(tmp_path, "quote", f"quote: {long_words}\n", out="q.jpg")
    assert done.returncode == 1
    assert done.stderr.startswith("error: quote: text too long for its box")
    assert list(tmp_path.glob("*.jpg")) == [] and list(tmp_path.glob(".*part")) == []


def test_unknown_template_brand_and_format(tmp_path: Path) -> None:
    assert "no template 'nope' (known: bilingual," in card(tmp_path, "nope", "a: 1\n").stderr
    brand = card(tmp_path, "quote", "quote: A\n", "--brand", "nope").stderr
    assert "brand kit 'nope' not found (known: don-vi-mau, ttdn-haiphong)" in brand
    fmt = card(tmp_path, "quote", "quote: A\n", out="c.gif").stderr
    assert fmt.strip() == "-o: c.gif: a card is written as .png or .jpg"


def test_every_sample_renders_with_the_second_brand(tmp_path: Path) -> None:
    for sample in sorted(SAMPLES.glob("*.yaml")):
        if sample.stem == "short-points":
            continue
        done = card(
            tmp_path,
            sample.stem,
            sample,
            "--brand",
            "don-vi-mau",
            "--today",
            "2026-02-13",
            out=f"{sample.stem}.png",
        )
        assert done.returncode == 0, (sample.name, done.stderr)


def test_template_sheet_shows_every_card_template(tmp_path: Path) -> None:
    done = phuxanh("template", "sheet", "-o", str(tmp_path / "sheet.jpg"), "--lang", "en")
    assert done.returncode == 0, done.stderr
    sheet = Image.open(tmp_path / "sheet.jpg")
    assert sheet.format == "JPEG" and sheet.width > 2000
    # the sheet is not a blank canvas: most of it is card pixels, not the background
    grey = sheet.convert("L").resize((64, 32))
    background = grey.getpixel((0, 0))
    differing = sum(abs(p - background) > 20 for p in grey.getdata())
    assert differing > 0.5 * 64 * 32


def test_a_changed_template_must_raise_its_version(tmp_path: Path) -> None:
    from phuxanh.compose.studio import ensure_template_row
    from phuxanh.core.errors import ValidationFailed
    from phuxanh.media.templates import load_template

    url = f"sqlite:///{tmp_path / 'db'}"
    jobs.init_db(url)
    spec = load_template(ROOT / "assets", "quote")
    changed = spec.model_copy(update={"version": spec.version, "name": {"vi": "Trích dẫn (sửa)"}})
    with Session(engine_for(url)) as session:
        first = ensure_template_row(session, spec)
        assert ensure_template_row(session, spec).id == first.id
        with pytest.raises(ValidationFailed, match="raise the version"):
            ensure_template_row(session, changed)


# --- hostile input, in-process through phuxanh.cli.main (tests.helpers.run_cli) ----------


def parts(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".part" in p.name]


def test_media_outputs_into_a_missing_folder_or_onto_a_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing, folder = tmp_path / "nope", tmp_path / "taken.png"
    folder.mkdir()
    (tmp_path / "clip.srt").mkdir()
    db = ("--database", f"sqlite:///{tmp_path / 'db'}")
    card_args = (
        "render",
        "card",
        "--template",
        "quote",
        "--data",
        str(SAMPLES / "quote.yaml"),
        *db,
    )
    clip_args = (
        "render",
        "clip",
        "--template",
        "short-points",
        "--data",
        str(SAMPLES / "short-points.yaml"),
        *db,
    )
    cases = [
        (
            (*card_args, "-o", str(missing / "c.png")),
            f"-o: {missing / 'c.png'}: the folder {missing} does not exist",
        ),
        ((*card_args, "-o", str(folder)), f"-o: {folder} is a folder; give a file name"),
        ((*clip_args, "-o", str(missing / "c.mp4")), "does not exist"),
        (
            (*clip_args, "-o", str(tmp_path / "clip.mp4")),
            f"-o: {tmp_path / 'clip.srt'} is a folder",
        ),
        (("template", "sheet", "-o", str(missing / "s.jpg")), "does not exist"),
        (("template", "sheet", "-o", str(folder)), "is a folder"),
        (
            ("template", "sheet", "-o", str(tmp_path / "s.gif")),
            "-o: s.gif: a sheet is written as .png or .jpg",
        ),
    ]
    for argv, said in cases:
        line = refused(capsys, *argv)
        assert line.startswith("-o: ") and said in line, line
    assert not missing.exists() and not parts(tmp_path) and not any(folder.iterdir())
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob("s.*"))


def test_brand_is_a_code_never_a_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    card_args = (
        "render",
        "card",
        "--template",
        "quote",
        "--data",
        str(SAMPLES / "quote.yaml"),
        "-o",
        str(tmp_path / "c.png"),
        "--database",
        f"sqlite:///{tmp_path / 'db'}",
    )
    escape = "../../content/campaigns/demo"  # a real YAML file outside assets/brands
    assert refused(capsys, *card_args, "--brand", escape) == (
        f"--brand: {escape!r} is not a brand code (a-z, 0-9 and -, as in assets/brands/CODE.yaml)"
    )
    assert refused(
        capsys, "template", "sheet", "-o", str(tmp_path / "s.png"), "--brand", "/etc/passwd"
    ).startswith("--brand: '/etc/passwd' is not a brand code")
    monkeypatch.setenv("PHUXANH_BRAND", "../brands/ttdn-haiphong")
    get_settings.cache_clear()
    assert refused(capsys, *card_args).startswith(
        "PHUXANH_BRAND: '../brands/ttdn-haiphong' is not a brand code"
    )
    assert not (tmp_path / "c.png").exists()


def test_a_json_data_file_and_quoted_dates_render(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "countdown.json"
    data.write_text(
        json.dumps(
            {
                "event": "Ngày bầu cử",
                "date": "2026-03-15",
                "as_of": "2026-02-13",
                "source": "Nguồn: Luật Bầu cử",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    code, out, err = run_cli(
        capsys,
        "render",
        "card",
        "--template",
        "countdown",
        "--data",
        str(data),
        "-o",
        str(tmp_path / "c.png"),
        "--database",
        f"sqlite:///{tmp_path / 'db'}",
    )
    assert code == 0, err
    assert Image.open(json.loads(out)["path"]).size == (1080, 1920)
    data.write_text(
        '{"event": "Bầu cử", "date": "2026-02-30", "source": "Nguồn: Luật"}', encoding="utf-8"
    )
    line = refused(
        capsys,
        "render",
        "card",
        "--template",
        "countdown",
        "--data",
        str(data),
        "-o",
        str(tmp_path / "d.png"),
        "--database",
        f"sqlite:///{tmp_path / 'db'}",
    )
    assert line == f"{data}:1: date: '2026-02-30' is not a date (day is out of range for month)"


def test_hostile_data_files_are_one_line_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.test_cards import png_bomb
    from tests.test_yamlio import alias_bomb

    bomb = png_bomb(tmp_path / "bomb.png", 20_000, 20_000)
    cases = {
        "alias.yaml": (alias_bomb(), ":1: a: anchor &a: anchors (&) and aliases (*)"),
        "feb30.yaml": (
            "event: Bầu cử\ndate: 2026-02-30\nsource: 'Nguồn: Luật'\n",
            ":2: date: '2026-02-30' is not a date (YYYY-MM-DD)",
        ),
        "deep.yaml": ("event: " + "[" * 50_000 + "]" * 50_000 + "\n", ":1: "),
        "photo.yaml": (
            f"title: Hội nghị\ndate: 2026-04-18\ntime: '08:00'\nplace: HP\nphoto: {bomb.name}\n",
            f":5: photo: {bomb}: more than 60 Mpx",
        ),
    }
    for name, (text, said) in cases.items():
        data = tmp_path / name
        data.write_text(text, encoding="utf-8")
        template = "event" if name == "photo.yaml" else "countdown"
        line = refused(
            capsys,
            "render",
            "card",
            "--template",
            template,
            "--data",
            str(data),
            "-o",
            str(tmp_path / "c.png"),
            "--database",
            f"sqlite:///{tmp_path / 'db'}",
        )
        assert line.startswith(f"{data}{said}"), line
    assert not (tmp_path / "c.png").exists() and not parts(tmp_path)


def test_item_media_is_checked_like_every_image(tmp_path: Path) -> None:
    import datetime as dt

    from phuxanh.compose.items import create_item
    from phuxanh.core.errors import ValidationFailed
    from phuxanh.models import ContentItem
    from phuxanh.sandbox import demo
    from tests.test_cards import big_png, png_bomb

    url = f"sqlite:///{tmp_path / 'db'}"
    jobs.init_db(url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url="http://127.0.0.1:9", database_url=url)
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=url)
    (tmp_path / "notes.png").write_text("not an image\n", encoding="utf-8")
    bad = {
        png_bomb(tmp_path / "bomb.png", 20_000, 20_000): "more than 60 Mpx; scale it down",
        big_png(tmp_path / "big.png"): "9000×7000 pixels (63 Mpx) is more than the 60 Mpx",
        tmp_path / "notes.png": "not a readable image (PNG, JPEG, WebP or GIF)",
    }
    at = dt.datetime(2026, 4, 29, 8, tzinfo=dt.UTC)
    with Session(engine_for(url)) as session:
        for media, said in bad.items():
            with pytest.raises(ValidationFailed) as err:
                create_item(
                    session,
                    channel_code="fb-ttdn-haiphong",
                    text="Hải Phòng xanh.",
                    at=at,
                    actor="lan.nguyen",
                    media=media,
                )
            (problem,) = err.value.problems
            assert problem.startswith(f"--media: {media}: {said}"), problem
        assert session.exec(select(ContentItem)).all() == []
        ok = create_item(
            session,
            channel_code="fb-ttdn-haiphong",
            text="Hải Phòng xanh.",
            at=at,
            actor="lan.nguyen",
            media=ROOT / "tests" / "data" / "tiny.png",
        )
        assert ok.id is not None
