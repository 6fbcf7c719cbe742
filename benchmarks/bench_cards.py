"""Card rendering speed against the encode floor, medians of repeated runs in one process.

    .venv/bin/python benchmarks/bench_cards.py [--runs 40]

For each format (PNG level 1, JPEG q92 4:4:4) and the `fact-number` template: render+save
time for cards whose text differs every time (so no fitted-text cache hit), split into
compose (everything before encoding) and encode. The floor is saving an already composed
image of the same size and format: the part no layout code can remove. Goal (issue 4):
render+save <= 2x the floor. Also: every template's time, throughput on 1 and 2 threads,
and peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from phuxanh.compose import studio  # noqa: E402
from phuxanh.media import inputs  # noqa: E402
from phuxanh.media.cards import load_brand  # noqa: E402
from phuxanh.media.inputs import CardValues, load_values  # noqa: E402
from phuxanh.media.render import compose, encode, render_card  # noqa: E402
from phuxanh.media.templates import list_templates, load_template  # noqa: E402

ASSETS = ROOT / "assets"
BRAND = load_brand(ASSETS, "ttdn-haiphong")
SPEC = load_template(ASSETS, "fact-number")


def card(i: int) -> CardValues:
    return CardValues(
        {
            "title": "Bầu cử đại biểu Quốc hội khóa XVI và HĐND các cấp",
            "figure": f"{i % 28 + 1}/3/2026",
            "unit": "Ngày bầu cử",
            "text": f"Cuộc bầu cử diễn ra vào Chủ nhật, ngày 15/3/2026 - lần đo số {i}.",
            "source": "Nguồn: Luật Bầu cử đại biểu Quốc hội và đại biểu HĐND (85/2015/QH13)",
        }
    )


def median_ms(fn: Callable[[int], object], runs: int, offset: int = 0) -> float:
    times = []
    for i in range(runs):
        t = time.perf_counter()
        fn(offset + i)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def batch(start: int, n: int = 40) -> int:
    for i in range(start, start + n):
        render_card(SPEC, card(i), BRAND, fmt="png")
    return n


def throughput(workers: int, cards: int = 160) -> float:
    """Cards per second on `workers` threads, as the composer renders them."""
    t = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(batch, range(0, cards, 40)))
    return cards / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    runs = parser.parse_args().runs
    render_card(SPEC, card(0), BRAND)  # warm fonts, base layers: a long-lived worker
    for fmt in ("png", "jpg"):
        total = median_ms(lambda i, f=fmt: render_card(SPEC, card(i), BRAND, fmt=f), runs, 1000)
        comp = median_ms(lambda i: compose(SPEC, card(i), BRAND, lang="vi"), runs, 2000)
        img = compose(SPEC, card(1), BRAND, lang="vi")
        floor = median_ms(lambda _i, f=fmt, im=img: encode(im, f), runs)
        print(
            f"card fact-number 1080x1350 {fmt.upper()}: render+save median {total:.1f} ms "
            f"(compose {comp:.1f} ms), encode floor median {floor:.1f} ms, ratio "
            f"{total / floor:.2f}x (goal <= 2x); runs {runs}"
        )
    for spec in list_templates(ASSETS):
        if spec.kind != "card":
            continue
        values = load_values(
            spec,
            ROOT / "content" / "samples" / f"{spec.id}.yaml",
            langs=studio.needed_langs(spec, "vi"),
        )
        extra = inputs.computed(spec, values, dt.date(2026, 2, 13))
        ms = median_ms(
            lambda _i, s=spec, v=values, e=extra: io.BytesIO(render_card(s, v, BRAND, extra=e)), 10
        )
        print(f"  template {spec.id:<13} {spec.wh[0]}x{spec.wh[1]}: {ms:.1f} ms (PNG, same data)")
    one, two = throughput(1), throughput(2)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"throughput: {one:.1f} cards/s on 1 thread, {two:.1f} on 2 ({two / one:.2f}x); "
        f"peak RSS of this process {rss:.0f} MiB"
    )


if __name__ == "__main__":
    main()
