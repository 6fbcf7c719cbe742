"""The shape of the code, checked: no import cycle inside `phuxanh/` (between modules, and
between its sub-packages), and the boundaries docs/architecture.md names. Every import
counts, also one inside a function or under `if TYPE_CHECKING:`: a cycle that only a lazy
import hides is still a cycle for the reader.

Run alone: `python -m pytest tests/test_architecture.py`."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (importer prefix, imported prefix, why): an importer under the first may not import
# anything under the second. Prefixes are dotted module names ("sqlalchemy" covers its
# sub-modules).
FORBIDDEN: list[tuple[str, str, str]] = [
    ("phuxanh", "flows", "the domain never imports the Prefect flows"),
    ("phuxanh", "dashboard", "the domain never imports the desk"),
    ("phuxanh", "streamlit", "the domain never draws"),
    ("phuxanh", "prefect", "the domain runs without Prefect (flows/ and runs/ wrap it)"),
    ("phuxanh.platforms", "phuxanh.core.db", "adapters never touch the database"),
    ("phuxanh.platforms", "phuxanh.models", "adapters never touch the database"),
    ("phuxanh.platforms", "phuxanh.publish", "adapters know nothing of publishing state"),
    ("phuxanh.platforms", "phuxanh.jobs", "adapters never touch the database"),
    ("phuxanh.platforms", "phuxanh.crud", "adapters never touch the database"),
    ("phuxanh.platforms", "sqlalchemy", "adapters never touch the database"),
    ("phuxanh.platforms", "sqlmodel", "adapters never touch the database"),
    ("phuxanh.media", "phuxanh.platforms", "media knows no platform"),
    ("phuxanh.media", "phuxanh.models", "media draws files, it keeps no rows"),
    ("phuxanh.media", "phuxanh.core.db", "media draws files, it keeps no rows"),
    ("phuxanh.core", "phuxanh.compose", "core is what the rest stands on"),
    ("phuxanh.core", "phuxanh.publish", "core is what the rest stands on"),
    ("phuxanh.core", "phuxanh.reports", "core is what the rest stands on"),
    ("phuxanh.core", "phuxanh.cli", "core is what the rest stands on"),
    ("phuxanh.core", "phuxanh.jobs", "core is what the rest stands on"),
    ("phuxanh.reports", "phuxanh.cli", "reports are built the same for every front end"),
    ("phuxanh.publish", "phuxanh.cli", "publishing is the same for every front end"),
    ("phuxanh.compose", "phuxanh.cli", "composing is the same for every front end"),
    ("flows", "dashboard", "the runs never import the desk"),
    ("dashboard", "flows", "the desk never imports the runs"),
]
# Runtime entry points allowed to start Prefect: the flows themselves and the modules that
# start, deploy or describe them.
PREFECT_ALLOWED = ("phuxanh.runs", "phuxanh.cli.deploy", "phuxanh.sandbox.faultrun")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path, known: set[str]) -> list[Import]:
    """Every import in one file, resolved to the most specific known module (an imported
    name that is itself a module counts as that module)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append(Import(name, sub if sub in known else target, node.lineno))
    return found


def graph(root: Path, packages: tuple[str, ...]) -> list[Import]:
    files = [
        p
        for pkg in packages
        for p in sorted((root / pkg).rglob("*.py"))
        if "migrations" not in p.parts
    ]
    known = {module_name(p, root) for p in files}
    return [i for p in files for i in imports_of(p, root, known)]


def cycles(edges: list[Import], within: str) -> list[list[str]]:
    """Strongly connected components of more than one module (or a module importing
    itself), among modules under `within`: each is an import cycle."""
    nodes: dict[str, set[str]] = {}
    for e in edges:
        if (
            _under(e.importer, within)
            and _under(e.imported, within)
            and e.imported != e.importer.rpartition(".")[0]
        ):
            nodes.setdefault(e.importer, set()).add(e.imported)
            nodes.setdefault(e.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(nodes[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in nodes[v]:
                found.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return found


def package_edges(edges: list[Import], top: str) -> list[Import]:
    """The same imports between the sub-packages of `top` (phuxanh.compose.drafts →
    phuxanh.compose); modules directly in `top` stay themselves."""

    def pkg(name: str) -> str:
        parts = name.split(".")
        return ".".join(parts[:2]) if len(parts) > 1 and parts[0] == top else name

    return [
        Import(pkg(e.importer), pkg(e.imported), e.line)
        for e in edges
        if pkg(e.importer) != pkg(e.imported)
    ]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def broken_rules(edges: list[Import]) -> list[str]:
    out = []
    for e in edges:
        for importer, imported, why in FORBIDDEN:
            if not (_under(e.importer, importer) and _under(e.imported, imported)):
                continue
            if imported == "prefect" and e.importer.startswith(PREFECT_ALLOWED):
                continue
            out.append(f"{e.importer} (line {e.line}) imports {e.imported}: {why}")
    return out


def test_phuxanh_has_no_import_cycle() -> None:
    edges = graph(ROOT, ("phuxanh",))
    assert len({e.importer for e in edges}) > 60  # the walk really read the package
    found = cycles(edges, "phuxanh")
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_sub_packages_form_layers() -> None:
    """Between sub-packages too: no package imports one that imports it back."""
    edges = package_edges(graph(ROOT, ("phuxanh",)), "phuxanh")
    found = cycles(edges, "phuxanh")
    assert not found, "package cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_boundaries_hold() -> None:
    broken = broken_rules(graph(ROOT, ("phuxanh", "flows", "dashboard")))
    assert not broken, "forbidden imports:\n" + "\n".join(broken)


# --- the checker itself can fail --------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path):
    def write(files: dict[str, str]) -> Path:
        for rel, text in files.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return tmp_path

    return write


def test_a_cycle_hidden_in_a_function_or_type_check_is_found(tree) -> None:
    root = tree(
        {
            "phuxanh/__init__.py": "",
            "phuxanh/a.py": "from phuxanh import b\n",
            "phuxanh/b.py": "def f():\n    from phuxanh.c import x\n",
            "phuxanh/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from phuxanh.a import y\n",
            "phuxanh/d.py": "from phuxanh import a\n",
        }
    )
    assert cycles(graph(root, ("phuxanh",)), "phuxanh") == [["phuxanh.a", "phuxanh.b", "phuxanh.c"]]


def test_a_cycle_between_packages_is_found(tree) -> None:
    root = tree(
        {
            "phuxanh/__init__.py": "",
            "phuxanh/p/__init__.py": "",
            "phuxanh/q/__init__.py": "",
            "phuxanh/p/one.py": "from phuxanh.q.two import x\n",
            "phuxanh/q/two.py": "x = 1\n",
            "phuxanh/q/three.py": "from phuxanh.p import one\n",
        }
    )
    edges = graph(root, ("phuxanh",))
    assert cycles(edges, "phuxanh") == []  # no module cycle…
    assert cycles(package_edges(edges, "phuxanh"), "phuxanh") == [["phuxanh.p", "phuxanh.q"]]


def test_a_forbidden_import_is_named(tree) -> None:
    root = tree(
        {
            "phuxanh/__init__.py": "",
            "phuxanh/platforms/__init__.py": "",
            "phuxanh/platforms/fb.py": "import json\nfrom sqlmodel import Session\n",
            "phuxanh/media/__init__.py": "",
            "phuxanh/media/cards.py": "from .. import platforms\nfrom ..platforms import fb\n",
            "phuxanh/jobs.py": "import dashboard.common\n",
        }
    )
    assert broken_rules(graph(root, ("phuxanh",))) == [
        "phuxanh.jobs (line 1) imports dashboard.common: the domain never imports the desk",
        "phuxanh.media.cards (line 1) imports phuxanh.platforms: media knows no platform",
        "phuxanh.media.cards (line 2) imports phuxanh.platforms.fb: media knows no platform",
        "phuxanh.platforms.fb (line 2) imports sqlmodel: adapters never touch the database",
    ]
