"""Exactly-once drill at full size: 1,000 publications over the seven sandboxed platforms,
20% injected faults (5xx, 429 in each platform's shape, expired tokens, lost answers,
slow answers, timeouts) and the publisher SIGKILLed at random moments until done.
Prints counts, duplicates, losses, lateness p50/p99 and throughput.

    python benchmarks/bench_faults.py [--n 1000] [--database postgresql+psycopg://...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from phuxanh.sandbox.faultrun import main

if __name__ == "__main__":
    main()
