"""Card rendering speed against the encode floor, medians of repeated runs in one process.

    .venv/bin/python benchmarks/bench_cards.py [--runs 30]

The floor is saving an already composed image of the same size and format (PNG, level 1):
the part no layout code can remove. Goal (issue 4): render + save ≤ 2× the floor.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import tracemalloc
from pathlib import Path

from PIL import Image

from phuxanh.media.cards import CardInput, load_brand, render_fact_card

ROOT = Path(__file__).resolve().parent.parent


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    brand = load_brand(ROOT / "assets", "ttdn-haiphong")
    cards = [
        CardInput(
            theme_title="Bầu cử đại biểu Quốc hội khóa XVI và HĐND các cấp",
            text=f"Cuộc bầu cử diễn ra vào Chủ nhật, ngày 15/3/2026. Lần {i}.",
            figure="15/3/2026",
            unit="Ngày bầu cử",
            source="Nguồn: Luật Bầu cử đại biểu Quốc hội và đại biểu HĐND (85/2015/QH13)",
        )
        for i in range(runs)
    ]
    render_fact_card(cards[0], brand)  # warm font and gradient caches, as a long-lived worker
    it = iter(cards * 2)
    card_ms = median_ms(lambda: render_fact_card(next(it), brand), runs)
    composed = Image.open(io.BytesIO(render_fact_card(cards[0], brand))).convert("RGB")
    composed.load()
    floor_ms = median_ms(lambda: composed.save(io.BytesIO(), format="PNG", compress_level=1), runs)
    tracemalloc.start()
    render_fact_card(cards[1], brand)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(
        f"card 1080x1350 PNG: render+save median {card_ms:.1f} ms, "
        f"encode floor median {floor_ms:.1f} ms, ratio {card_ms / floor_ms:.2f}x "
        f"(goal <= 2x), peak Python memory {peak:.1f} MiB, runs {runs}"
    )


if __name__ == "__main__":
    main()
