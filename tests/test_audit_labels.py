"""Every audit action phuxanh records has a label in Vietnamese and in English
(`audit.action.<code>` in dashboard/strings.py), and the Audit page shows it.

The codes are read from the source: each `record(..., action=...)` and
`AuditEvent(..., action=...)` call in phuxanh/. An action given as a variable is followed to
the strings assigned to it in the same function; one made in an f-string
(`f"item.{decision}"`) is followed to the values its placeholder gets from the calls of the
function that has it (a keyword or positional argument: a string, or an enum member such
as `PubState.missed`), through further parameters as far as they go."""

from __future__ import annotations

import ast
from pathlib import Path

from dashboard.strings import EN, VI
from tests.test_dashboard import _page

PHUXANH = Path(__file__).resolve().parent.parent / "phuxanh"


class Module:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
        self.functions = {
            f.name: f
            for f in ast.walk(self.tree)
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        }

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(PHUXANH.parent)}:{getattr(node, 'lineno', '?')}"

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def values(self, node: ast.expr, depth: int = 0) -> set[str]:
        """Every string `node` may hold (raises when it cannot tell)."""
        if depth > 4:
            raise AssertionError(f"{self.where(node)}: followed too far: {ast.unparse(node)}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return {node.attr}  # an enum member: PubState.missed is "missed"
        if isinstance(node, ast.IfExp):
            return self.values(node.body, depth) | self.values(node.orelse, depth)
        if isinstance(node, ast.JoinedStr):
            found = {""}
            for part in node.values:
                if isinstance(part, ast.Constant):
                    found = {f + str(part.value) for f in found}
                elif isinstance(part, ast.FormattedValue):
                    found = {f + v for f in found for v in self.values(part.value, depth + 1)}
            return found
        if isinstance(node, ast.Name):
            return self.name_values(node, depth)
        raise AssertionError(f"{self.where(node)}: cannot tell the action: {ast.unparse(node)}")

    def name_values(self, node: ast.Name, depth: int) -> set[str]:
        function = self.function_of(node)
        assert function is not None, f"{self.where(node)}: {node.id} outside a function"
        assigned = [
            a.value
            for a in ast.walk(function)
            if isinstance(a, ast.Assign)
            and any(isinstance(x, ast.Name) and x.id == node.id for x in a.targets)
        ]
        if assigned:
            return set().union(*(self.values(v, depth + 1) for v in assigned))
        params = [*function.args.posonlyargs, *function.args.args]
        names = [a.arg for a in params] + [a.arg for a in function.args.kwonlyargs]
        assert node.id in names, f"{self.where(node)}: {node.id} is neither set nor a parameter"
        positional = [a.arg for a in params]
        position = positional.index(node.id) if node.id in positional else -1
        found: set[str] = set()
        calls = 0
        for call in ast.walk(self.tree):
            if not (isinstance(call, ast.Call) and called(call) == function.name):
                continue
            calls += 1
            given = [k.value for k in call.keywords if k.arg == node.id]
            if not given and 0 <= position < len(call.args):
                given = [call.args[position]]
            assert given, f"{self.where(call)}: {function.name}() without {node.id}"
            found |= self.values(given[0], depth + 1)
        assert calls, f"{self.where(node)}: {function.name}() is never called in its module"
        return found


def called(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def recorded_actions() -> dict[str, str]:
    """Each action code recorded in phuxanh/, with one place that records it."""
    found: dict[str, str] = {}
    for path in sorted(PHUXANH.rglob("*.py")):
        module = Module(path)
        for call in ast.walk(module.tree):
            if not (isinstance(call, ast.Call) and called(call) in ("record", "AuditEvent")):
                continue
            for keyword in call.keywords:
                if keyword.arg != "action":
                    continue
                if path.name == "audit.py" and isinstance(keyword.value, ast.Name):
                    continue  # audit.record itself, passing its own parameter on
                for code in module.values(keyword.value):
                    found.setdefault(code, module.where(call))
    return found


def test_the_scan_finds_the_actions_it_must() -> None:
    """The scan reads literals, variables, conditionals and f-strings (each kind below is
    recorded one of those ways); were it to miss a way, this fails rather than pass empty."""
    found = recorded_actions()
    for code in (
        "item.approve",  # a literal
        "item.reject",  # f"item.{decision}" with decision="reject"
        "item.request_changes",
        "publication.missed",  # f"publication.{state}" with PubState.missed, positionally
        "publication.reconciled",  # f"publication.{via}", via passed through _settle
        "publication.confirmed_live",  # action = "..." then action=action
        "channel.config_error",  # "a" if expired else "b"
        "audit.head_rebuilt",  # AuditEvent(action=...)
    ):
        assert code in found, code
    assert all("{" not in code and "." in code for code in found), sorted(found)


def test_every_recorded_action_has_a_label_in_both_languages() -> None:
    found = recorded_actions()
    missing = {
        language: sorted(
            f"{code} ({where})"
            for code, where in found.items()
            if f"audit.action.{code}" not in strings or not strings[f"audit.action.{code}"].strip()
        )
        for language, strings in (("vi", VI), ("en", EN))
    }
    assert missing == {"vi": [], "en": []}
    for code in found:  # each language its own words
        assert VI[f"audit.action.{code}"] != EN[f"audit.action.{code}"], code


def test_the_audit_page_names_actions_in_the_interface_language(app_db: str) -> None:
    from sqlmodel import Session

    from phuxanh import jobs
    from phuxanh.core import audit

    with Session(jobs.engine(app_db)) as s:
        audit.record(s, actor="minh.tran", action="item.approve", entity="item", entity_id=1)
        audit.record(s, actor="minh.tran", action="item.unheard_of", entity="item", entity_id=2)
        s.commit()
    for lang, approve, action_col, code_col in (
        ("vi", "Duyệt bài", "Thao tác", "Mã thao tác"),
        ("en", "Approved", "Action", "Action code"),
    ):
        at = _page("audit")
        if lang == "en":
            at.sidebar.radio[0].set_value("en").run()
        assert not at.exception, [e.value for e in at.exception]
        frame = at.dataframe[0].value
        shown = dict(zip(frame[code_col], frame[action_col], strict=True))
        assert shown["item.approve"] == approve
        assert shown["item.unheard_of"] == "item.unheard_of"  # no label: the code itself
