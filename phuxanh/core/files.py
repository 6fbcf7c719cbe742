"""A document written whole or not at all (the periodic report, an incident report, a press
release, a radio bulletin): drawn into a temporary file beside its place in a private
folder, then moved in; nothing half-written and no `.part` is ever left behind."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import private_dir


def write_whole(out: Path, draw: Callable[[Path], None], *, what: str) -> None:
    """Run `draw` on a temporary path beside `out`, then put the file at `out`. A file
    system refusal is one error naming `out` ("OUT: cannot write WHAT: why")."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        private_dir(out.parent)
        draw(tmp)
        tmp.replace(out)
    except OSError as exc:
        raise PhuxanhError(f"{out}: cannot write {what}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
