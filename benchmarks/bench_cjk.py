"""Chinese, Korean and Japanese card rendering speed against Vietnamese, same template.

    .venv/bin/python benchmarks/bench_cjk.py [--runs 40]

For each template with a text field and each language: the median render+save time (PNG) of
cards whose text differs every time (a run number appended, so no fitted-text cache hit),
from the template's sample data (`content/samples/`), in one long-lived process (fonts and
base layers warm, as in the composer). Goal (issue 18): every CJK card within 1.5x of the
Vietnamese card of the same template. Needs Debian's fonts-noto-cjk.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from phuxanh.media import inputs  # noqa: E402
from phuxanh.media.cards import load_brand  # noqa: E402
from phuxanh.media.inputs import CardValues, load_values  # noqa: E402
from phuxanh.media.render import compose, encode, render_card  # noqa: E402
from phuxanh.media.templates import TemplateSpec, load_template  # noqa: E402

ASSETS = ROOT / "assets"
BRAND = load_brand(ASSETS, "ttdn-haiphong")
LANGS = ("vi", "zh", "ko", "ja")
TEMPLATES = ("fact-text", "fact-number", "three-points", "quote", "countdown")
VARIED = ("text", "quote", "points", "event")  # the field that changes from card to card
RUN = {"vi": " (lần {})", "zh": "（第{}次）", "ko": " ({}회차)", "ja": "（{}回目）"}


def varied(spec: TemplateSpec, values: CardValues, lang: str, i: int) -> CardValues:
    out: dict[str, Any] = {k: values.get(k, lang) for k in values.values}
    name = next(n for n in VARIED if n in out)
    mark = RUN[lang].format(i)
    out[name] = [out[name][0] + mark, *out[name][1:]] if name == "points" else out[name] + mark
    return CardValues(out)


def medians(spec: TemplateSpec, runs: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median render+save and compose-only ms per language. The languages take turns, run
    by run, so that a busy machine slows them alike."""
    data = ROOT / "content" / "samples" / f"{spec.id}.yaml"
    values = {lang: load_values(spec, data, langs={lang}) for lang in LANGS}
    extra = inputs.computed(spec, values["vi"], dt.date(2026, 2, 13))
    total: dict[str, list[float]] = {lang: [] for lang in LANGS}
    composed: dict[str, list[float]] = {lang: [] for lang in LANGS}
    for lang in LANGS:  # warm: fonts, base layers
        render_card(spec, varied(spec, values[lang], lang, 0), BRAND, lang=lang, extra=extra)
    for i in range(1, runs + 1):
        for lang in LANGS:
            card = varied(spec, values[lang], lang, i)
            t = time.perf_counter()
            img = compose(spec, card, BRAND, lang=lang, extra=extra)
            c = time.perf_counter()
            encode(img, "png")
            composed[lang].append((c - t) * 1000)
            total[lang].append((time.perf_counter() - t) * 1000)
    return (
        {k: statistics.median(v) for k, v in total.items()},
        {k: statistics.median(v) for k, v in composed.items()},
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    runs = parser.parse_args().runs
    worst = 0.0
    for template in TEMPLATES:
        spec = load_template(ASSETS, template)
        ms, comp = medians(spec, runs)
        ratios = {lang: ms[lang] / ms["vi"] for lang in LANGS if lang != "vi"}
        worst = max(worst, *ratios.values())
        shown = ", ".join(f"{lang} {ms[lang]:.1f} ({ratios[lang]:.2f}x)" for lang in ratios)
        layout = ", ".join(f"{lang} {comp[lang]:.1f}" for lang in LANGS)
        print(
            f"{template:<13} {spec.wh[0]}x{spec.wh[1]} render+save PNG medians ms: "
            f"vi {ms['vi']:.1f}, {shown}; compose only: {layout}"
        )
    verdict = "within" if worst <= 1.5 else "OVER"
    print(f"worst CJK/vi ratio {worst:.2f}x ({verdict} the 1.5x goal); runs {runs} per cell")


if __name__ == "__main__":
    main()
