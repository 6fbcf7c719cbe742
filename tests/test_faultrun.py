"""The exactly-once drill at CI size: publications over the seven sandboxed platforms with
20% injected faults of every kind and the publisher killed with SIGKILL at random moments.
(Full size, 1,000 publications: `python benchmarks/bench_faults.py`.)"""

from __future__ import annotations

from pathlib import Path

from phuxanh.sandbox import faultrun


def test_no_duplicates_no_losses_under_faults_and_kills(
    db_url: str, sandbox, tmp_path: Path
) -> None:
    n = 70  # 10 per platform; the full-size drill (1,000) is benchmarks/bench_faults.py
    # the workers' clock at 4x the full drill's: an hour of back-off passes in 7.5 s
    result = faultrun.run(
        db_url, sandbox.public_url, n=n, rate=0.2, seed=11, workdir=tmp_path, speed=480
    )
    print(result)
    assert result["duplicates"] == 0
    assert result["lost"] == 0
    assert result["problems"] == []  # incl. none failed or missed while live
    assert result["kills"] > 0  # the publisher really was killed mid-run
    assert result["worker_crashes"] == 0  # no run ended in an exception (workers.log)
    injected = result["faults_injected"]
    assert set(injected) >= {"http_500", "http_429", "expired_token", "lose_response"}
    states = result["states"]
    assert sum(states.values()) == n
    assert states.get("published", 0) >= n * 0.8  # the rest wait for a person, with a reason
