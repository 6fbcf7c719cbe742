"""`phuxanh render card|clip`, `phuxanh template list` and `phuxanh media check`."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import print_json as _print
from phuxanh.core.db import session_scope
from phuxanh.core.errors import ValidationFailed
from phuxanh.core.settings import get_settings

render_app = typer.Typer(
    help="Render media from templates (card, clip); with --campaign, the campaign's drafts.",
    invoke_without_command=True,
)
template_app = typer.Typer(
    help="Card and clip templates in assets/templates/.", no_args_is_help=True
)
media_app = typer.Typer(help="Check media files against platform limits.", no_args_is_help=True)

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]
Template = Annotated[str, typer.Option("--template", help="template id (phuxanh template list)")]
Data = Annotated[Path, typer.Option("--data", help="data file (YAML) with the template's fields")]
Lang = Annotated[str, typer.Option("--lang", help="language of the card: vi or en")]
BrandOpt = Annotated[str | None, typer.Option("--brand", help="brand kit (default: PHUXANH_BRAND)")]
Out = Annotated[Path, typer.Option("-o", "--output", help="output file")]


def _lang(lang: str) -> str:
    """A supported content language (content/languages.yaml)."""
    from phuxanh.catalog.languages import problem

    if (said := problem(lang)) is not None:
        raise ValidationFailed([f"--lang: {said}"])
    return lang


def _brand(brand: str | None) -> str:
    """The brand code from --brand (else PHUXANH_BRAND): a plain code, never a path."""
    from phuxanh.media.cards import BRAND_CODE

    code, name = (
        (brand, "--brand") if brand is not None else (get_settings().brand, "PHUXANH_BRAND")
    )
    if not BRAND_CODE.fullmatch(code):
        raise ValidationFailed(
            [
                f"{name}: {code!r} is not a brand code (a-z, 0-9 and -, "
                "as in assets/brands/CODE.yaml)"
            ]
        )
    return code


def _outputs(*paths: Path) -> None:
    """Refuse, before any work, an output that is a folder or sits in a missing folder."""
    from phuxanh.cli.common import output_file

    for path in paths:
        output_file(path, "-o")


def _data(path: Path) -> Path:
    if not path.is_file():
        raise ValidationFailed([f"--data: {path}: file not found"])
    return path


@render_app.callback()
def render_drafts(
    ctx: typer.Context,
    campaign: Annotated[str | None, typer.Option(help="campaign code: render its drafts")] = None,
    until: Annotated[str | None, typer.Option(help="only slots up to this ISO time")] = None,
    database: Database = None,
) -> None:
    """With --campaign: a card draft for every planned slot that has none."""
    if ctx.invoked_subcommand is not None:
        return
    if campaign is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(2)
    from phuxanh.cli.common import when

    _print(jobs.render_pending(campaign, until=when(until, "--until"), database_url=database))


@render_app.command("card")
def render_card(
    template: Template,
    data: Data,
    output: Out,
    lang: Lang = "vi",
    brand: BrandOpt = None,
    today: Annotated[
        str | None, typer.Option(help="date countdowns count from (YYYY-MM-DD)")
    ] = None,
    database: Database = None,
) -> None:
    """Render one card (PNG or JPEG) from a template and a data file."""
    from phuxanh.compose import studio
    from phuxanh.media.cards import load_brand
    from phuxanh.media.templates import load_template

    _outputs(output)
    settings = get_settings()
    spec = load_template(settings.assets_dir, template)
    if spec.kind != "card":
        raise ValidationFailed(
            [f"--template: {template} is a {spec.kind} template; use phuxanh render clip"]
        )
    kit = load_brand(settings.assets_dir, _brand(brand))
    from phuxanh.cli.common import day as parse_day

    day = parse_day(today, "--today") if today else dt.datetime.now(settings.tz).date()
    jobs.init_db(database)
    with session_scope(jobs.engine(database)) as session:
        out = studio.card_from_file(
            session, spec, _data(data), kit, lang=_lang(lang), out=output, today=day
        )
    _print(
        {
            "path": str(out.path),
            "sha256": out.sha256,
            "template": spec.id,
            "version": spec.version,
            "input_sha256": out.input_sha256,
            "fact_ids": out.fact_ids,
        }
    )


@render_app.command("clip")
def render_clip(
    template: Template,
    data: Data,
    output: Out,
    lang: Lang = "vi",
    brand: BrandOpt = None,
    music: Annotated[Path | None, typer.Option(help="music file (else a silent track)")] = None,
    preset: Annotated[
        str | None, typer.Option(help="x264 preset (default: PHUXANH_CLIP_PRESET)")
    ] = None,
    x_rendition: Annotated[bool, typer.Option(help="also write OUT.x.mp4 (576x1024) for X")] = True,
    database: Database = None,
) -> None:
    """Render a vertical clip (MP4, 1080x1920, 30 fps, H.264 + AAC) and its .srt."""
    from phuxanh.compose import studio
    from phuxanh.media.cards import load_brand
    from phuxanh.media.clips import check_preset
    from phuxanh.media.probe import audio_problem
    from phuxanh.media.templates import load_template

    _outputs(
        output,
        output.with_suffix(".srt"),
        *([output.with_name(f"{output.stem}.x.mp4")] if x_rendition else []),
    )
    settings = get_settings()
    chosen = (
        check_preset(preset, "--preset")
        if preset is not None
        else check_preset(settings.clip_preset, "PHUXANH_CLIP_PRESET")
    )
    if music is not None and (bad := audio_problem(music)):
        raise ValidationFailed([f"--music: {bad}"])
    spec = load_template(settings.assets_dir, template)
    kit = load_brand(settings.assets_dir, _brand(brand))
    jobs.init_db(database)
    with session_scope(jobs.engine(database)) as session:
        _print(
            studio.clip_from_file(
                session,
                spec,
                _data(data),
                kit,
                lang=_lang(lang),
                out=output,
                music=music,
                preset=chosen,
                x_rendition=x_rendition,
            )
        )


@template_app.command("list")
def template_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
) -> None:
    """Every template: id, kind, size and the fields a data file fills."""
    from phuxanh.media.templates import describe, list_templates

    specs = list_templates(get_settings().assets_dir)
    if as_json:
        _print([describe(s) for s in specs])
        return
    for spec in specs:
        w, h = spec.wh
        fields = ", ".join(f.name + ("" if f.required else "?") for f in spec.fields)
        typer.echo(f"{spec.id:<14} {spec.kind:<5} {w}x{h:<5} v{spec.version}  {fields}")


@template_app.command("sheet")
def template_sheet(
    output: Out,
    lang: Lang = "vi",
    brand: BrandOpt = None,
) -> None:
    """A contact sheet (.png or .jpg) of every card template with its sample data."""
    from phuxanh.compose import studio
    from phuxanh.media.cards import load_brand
    from phuxanh.media.sheet import contact_sheet

    if output.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ValidationFailed([f"-o: {output.name}: a sheet is written as .png or .jpg"])
    _outputs(output)
    settings = get_settings()
    kit = load_brand(settings.assets_dir, _brand(brand))
    sheet = contact_sheet(
        settings.assets_dir,
        settings.content_dir / "samples",
        kit,
        lang=_lang(lang),
        today=dt.datetime.now(settings.tz).date(),
    )
    buf = io.BytesIO()
    if output.suffix.lower() in (".jpg", ".jpeg"):
        sheet.save(buf, format="JPEG", quality=88, optimize=True)
    else:
        sheet.save(buf, format="PNG", optimize=True)
    studio.write_atomic(output, buf.getvalue())
    typer.echo(f"{output}: {sheet.width}x{sheet.height}")


@media_app.command("check")
def media_check(
    path: Annotated[Path, typer.Argument(help="video file")],
    platform: Annotated[list[str] | None, typer.Option(help="platform (repeatable)")] = None,
) -> None:
    """Probe a video (ffprobe) and check it against each platform's limits."""
    from phuxanh.media.probe import probe
    from phuxanh.platforms.video import LIMITS, problems

    if not path.is_file():
        raise ValidationFailed([f"{path}: file not found"])
    names = platform or sorted(LIMITS)
    unknown = [p for p in names if p not in LIMITS]
    if unknown:
        raise ValidationFailed(
            [f"--platform: unknown {', '.join(unknown)} (one of {', '.join(sorted(LIMITS))})"]
        )
    info = probe(path)
    found = {name: problems(info, name) for name in names}
    _print({"file": str(path), "info": info.__dict__, "problems": found})
    if any(found.values()):
        raise typer.Exit(1)
