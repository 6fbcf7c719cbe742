"""The scale benchmark runs (at a tiny size here; full size is run by hand, see README)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_scale_benchmark_prints_its_figures() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_scale.py"),
            "--pubs",
            "600",
            "--runs",
            "2",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "600 publications, 6,000 metric snapshots" in out
    for name in ("plain SQL aggregate", "Coverage page query", "Metrics page query"):
        assert re.search(rf"{name}\s+median\s+[\d.]+ ms\s+p95\s+[\d.]+ ms", out), out
    assert len(re.findall(r"yearly report (DOCX|PDF|XLSX)\s+[\d.]+ s", out)) == 3
