"""Serve the flows on their schedules (phuxanh/runs/schedules.py) from this process.

    phuxanh serve            (starts a local Prefect server first when none is configured)
    python -m flows.serve    (needs PREFECT_API_URL pointing at a running Prefect server)

The deployments are named `serve-<name>`: on a server that also has a work pool's
deployments (`phuxanh deploy`), the two sets never overwrite or pause each other. A
`serve-` name already taken by a pool deployment is refused, naming it.
"""

from __future__ import annotations

import sys
from typing import Any

from prefect import serve

from phuxanh.core.db import scrub
from phuxanh.core.settings import get_settings
from phuxanh.runs.schedules import SCHEDULES, SERVE_PREFIX


def deployments(prefix: str = SERVE_PREFIX) -> list[Any]:
    tz = get_settings().timezone
    return [
        s.load_flow().to_deployment(
            name=prefix + s.name, schedule=s.schedule(tz), description=s.description
        )
        for s in SCHEDULES
    ]


def conflicts(prefix: str = SERVE_PREFIX) -> list[str]:
    """Our deployment names that the server already has as a work pool's deployment."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    found = []
    with get_client(sync_client=True) as client:
        for s in SCHEDULES:
            name = f"{s.flow_name}/{prefix}{s.name}"
            try:
                deployment = client.read_deployment_by_name(name)
            except ObjectNotFound:
                continue
            if deployment.work_pool_name:
                found.append(f"{name} (work pool {deployment.work_pool_name})")
    return found


def main() -> None:
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        print(
            "phuxanh serve: no PREFECT_API_URL: Prefect's temporary API runs no scheduler, "
            "so nothing would ever run; use `phuxanh serve`, which starts a local Prefect "
            "server, or point PREFECT_API_URL at one",
            file=sys.stderr,
        )
        raise SystemExit(2)
    try:
        taken = conflicts()
    except Exception as exc:  # httpx's connection errors, an API that is not Prefect's
        print(
            f"phuxanh serve: cannot use the Prefect server at {scrub(PREFECT_API_URL.value())}: "
            f"{exc.__class__.__name__}: {exc}",
            file=sys.stderr,
        )
        raise SystemExit(2) from exc
    if taken:
        print(
            "phuxanh serve: refused: these deployment names belong to a work pool on this "
            "Prefect server, and serving would take them over: " + ", ".join(taken),
            file=sys.stderr,
        )
        raise SystemExit(2)
    serve(*deployments())


if __name__ == "__main__":
    main()
