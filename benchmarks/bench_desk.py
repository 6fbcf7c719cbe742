"""The desk in a real browser at 10,000 items in review: first paint and one approval.

    .venv/bin/python benchmarks/bench_desk.py                # SQLite (a file), 10,000 items
    .venv/bin/python benchmarks/bench_desk.py --items 2000   # a quick look
    .venv/bin/python benchmarks/bench_desk.py --json         # the figures as JSON

Builds the database of benchmarks/bench_queue.py (a city, 10 units, 30 channels, N items
in review), gives the city's approver a password, runs `streamlit run` on 127.0.0.1 as
tests/test_browser.py does, signs in with Debian's chromium (Playwright, headless) and
measures, over --runs (default 5):

- first content: from `page.goto` of the queue in a new tab (the session cookie kept, the
  browser's cache warm, as a person opening the desk again) to the first item's approve
  button visible (a DOM wait), and the browser's own first-contentful-paint for that load
  (Streamlit's page frame: earlier than the items);
- one approval: a click on the first item's approve button until that item is gone from
  the list and Streamlit's run has ended (the status widget gone).

Prints median and p95 (the worst of 5 runs is p95 at 5; with more runs the 95th
percentile by nearest rank) in ms.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from sqlmodel import Session, select  # noqa: E402

from benchmarks.bench_queue import build  # noqa: E402
from phuxanh import jobs  # noqa: E402
from phuxanh.core.users import hash_password  # noqa: E402
from phuxanh.models import ContentItem, User  # noqa: E402
from tests.desk import DeskDidNotStart, serve_desk  # noqa: E402

APPROVER = "city.approver"
PASSWORD = "bench-desk-password"
FIRST = "[class*='st-key-approve-'] button"
# a Streamlit run has ended: its status widget ("Running…") is gone
IDLE = "!document.querySelector('[data-testid=stStatusWidget]')"


def chromium() -> str:
    found = (
        os.environ.get("PHUXANH_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        sys.exit("chromium not found (apt-get install chromium, or set PHUXANH_CHROMIUM)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        sys.exit("the playwright package is not installed (.venv/bin/pip install playwright)")
    return found


def give_password(url: str) -> None:
    with Session(jobs.engine(url)) as s:
        user = s.exec(select(User).where(User.username == APPROVER)).one()
        user.password_hash = hash_password(PASSWORD)
        s.add(user)
        s.commit()


def serve(url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The desk on a free port (tests/desk.py); a desk that does not start ends the run."""
    try:
        return serve_desk(url, log)
    except DeskDidNotStart as exc:
        sys.exit(str(exc))


def idle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=60_000)


def sign_in(page: Any, context: Any) -> None:
    """The form, filled once the run that drew it has ended; done when the session cookie
    has been handed over (the desk's cards and downloads need it)."""
    page.get_by_label("Tên đăng nhập").wait_for()
    idle(page)
    page.get_by_label("Tên đăng nhập").fill(APPROVER)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_label("Mật khẩu").press("Enter")
    page.get_by_text(f"Đang dùng: {APPROVER}").wait_for(timeout=60_000)
    deadline = time.monotonic() + 30
    while not any(c["name"] == "phuxanh_session" for c in context.cookies()):
        if time.monotonic() > deadline:
            sys.exit("signed in, but the browser never received the session cookie")
        page.wait_for_timeout(100)
    page.locator(FIRST).first.wait_for(timeout=60_000)
    idle(page)


def item_of(button: Any) -> int:
    """The item number of an approve button (its container's key: approve-<id>)."""
    key = button.evaluate(
        "b => [...b.closest('[class*=st-key-approve-]').classList]"
        ".find(c => c.startsWith('st-key-approve-'))"
    )
    return int(str(key).rsplit("-", 1)[1])


def first_content(context: Any, base: str, runs: int) -> tuple[list[float], list[float]]:
    """(ms to the first item's approve button, ms to first-contentful-paint) per load."""
    to_card: list[float] = []
    to_fcp: list[float] = []
    for _ in range(runs):
        page = context.new_page()
        page.set_default_timeout(60_000)
        t0 = time.perf_counter()
        page.goto(base + "/")
        page.locator(FIRST).first.wait_for(state="visible")
        to_card.append((time.perf_counter() - t0) * 1000)
        fcp = page.evaluate(
            "() => { const e = performance.getEntriesByName('first-contentful-paint');"
            " return e.length ? e[0].startTime : null; }"
        )
        if fcp is None:
            sys.exit("the browser reported no first-contentful-paint")
        to_fcp.append(float(fcp))
        idle(page)
        page.close()
    return to_card, to_fcp


def approvals(context: Any, base: str, url: str, runs: int) -> list[float]:
    """ms from a click on the first item's approve button to the page idle without it."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(base + "/")
    page.locator(FIRST).first.wait_for()
    idle(page)
    took: list[float] = []
    for _ in range(runs):
        button = page.locator(FIRST).first
        item_id = item_of(button)
        gone = (
            f"!document.querySelector('.st-key-approve-{item_id}') && "
            "!document.querySelector('[data-testid=stStatusWidget]')"
        )
        t0 = time.perf_counter()
        button.click()
        page.wait_for_function(gone, polling="raf", timeout=60_000)
        took.append((time.perf_counter() - t0) * 1000)
        with Session(jobs.engine(url)) as s:
            item = s.get(ContentItem, item_id)
            if item is None or item.status == "in_review":
                sys.exit(f"item #{item_id} left the list but was not approved")
        page.locator(FIRST).first.wait_for()
        idle(page)
    page.close()
    return took


def p95(samples: list[float]) -> float:
    """The 95th percentile by nearest rank (of 5 samples: the largest)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summary(samples: list[float]) -> dict[str, Any]:
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(p95(samples), 1),
        "runs_ms": [round(x, 1) for x in samples],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.items < args.runs + 1:
        sys.exit(f"--items must be more than --runs ({args.runs}): each approval uses one")
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/desk.db"
        built = build(url, args.items)
        give_password(url)
        log = Path(tmp) / "streamlit.log"
        server, base = serve(url, log)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
                )
                context = browser.new_context(
                    viewport={"width": 1440, "height": 1024}, locale="vi-VN"
                )
                page = context.new_page()
                page.set_default_timeout(60_000)
                page.goto(base + "/")
                sign_in(page, context)
                page.close()
                to_card, to_fcp = first_content(context, base, args.runs)
                approve = approvals(context, base, url, args.runs)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
        if "Traceback" in log.read_text():
            sys.exit(f"the desk raised an error:\n{log.read_text()}")
    figures = {
        "database": "sqlite",
        "items_in_review": args.items,
        "built_s": round(built, 1),
        "runs": args.runs,
        "first_item_visible": summary(to_card),
        "first_contentful_paint": summary(to_fcp),
        "approve_one": summary(approve),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"sqlite: {args.items:,} items in review, built in {built:.1f} s; {args.runs} runs")
    for label, key in (
        ("goto -> first item's approve button", "first_item_visible"),
        ("first-contentful-paint (browser)", "first_contentful_paint"),
        ("approve -> item gone, page idle", "approve_one"),
    ):
        f = figures[key]
        print(f"  {label:<38} median {f['median_ms']:7.1f} ms   p95 {f['p95_ms']:7.1f} ms")


if __name__ == "__main__":
    main()
