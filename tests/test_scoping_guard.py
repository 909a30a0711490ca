"""Only the visibility modules scope a query to an org or a person.

Anywhere else, a comparison of a model's org or owner column with a value (rather than with
another table's column, as in a join) is an inline filter that bypasses the one-rule-per-type
design: a new query that forgot its visibility function would have to write exactly that to
work at all. The check reads every module of the package, so a filter in ``auth``, ``ingest``
or ``web`` is caught as surely as one in ``resolvers``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import accountlens

PACKAGE = Path(accountlens.__file__).parent

#: Modules allowed to scope, each for a reason a reviewer can check.
ALLOWED = {
    "resolvers/visibility.py": "the customer-data rules, one function per object type",
    "auth/visibility.py": "the connection and tool-call rules (auth may not import resolvers)",
    "auth/repository.py": "lookups keyed by a credential the caller presented (token, code)",
    "auth/users.py": "sign-in and operator account commands, by org and e-mail",
    "auth/web_sessions.py": "browser sessions, keyed by the session id the cookie presented",
    "auth/sso_store.py": "single sign-on, in the org the e-mail domain or the HMAC'd state names",
    "auth/sso_admin.py": "SSO settings: the operator's --org, or the signed-in admin's own org",
    # The importer writes as the schema owner into the one org the operator named (--org); no
    # principal exists there and nothing it reads is answered to a user.
    "ingest/importer/": "upserts into the operator's --org, as the owner",
}

#: Columns that say whose a row is.
SCOPING_COLUMNS = {"org_id", "owner_id", "user_id", "assignee_id", "creator_id", "author_id"}


def _model_names(tree: ast.Module) -> set[str]:
    """Names bound to a model or an alias: ``c = DocumentChunk``, ``a, t = Activity, Ticket``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            pairs: list[tuple[ast.expr, ast.expr]] = [(target, node.value)]
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = list(zip(target.elts, node.value.elts, strict=False))
            for name, value in pairs:
                called = value.func if isinstance(value, ast.Call) else None
                is_alias = isinstance(called, ast.Name) and called.id == "aliased"
                is_model = isinstance(value, ast.Name) and value.id[:1].isupper()
                if isinstance(name, ast.Name) and (is_alias or is_model):
                    names.add(name.id)
    return names


def _is_column(node: ast.expr, models: set[str]) -> bool:
    """``Model.col``, ``alias.col`` or a subquery's ``visible.c.col``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
        return node.value.attr == "c"
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
        return False
    base = node.value.id
    return base[:1].isupper() or base in models


def inline_scoping(path: Path) -> list[int]:
    """Lines where a model's org/owner column is compared with something that is not a column."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    models = _model_names(tree)

    def scoping_column(node: ast.expr) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr in SCOPING_COLUMNS
            and _is_column(node, models)
        )

    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and len(node.comparators) == 1:
            left, right = node.left, node.comparators[0]
            if (scoping_column(left) and not _is_column(right, models)) or (
                scoping_column(right) and not _is_column(left, models)
            ):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"in_", "not_in", "is_", "is_not"}
            and scoping_column(node.func.value)
        ):
            lines.append(node.lineno)
    return sorted(lines)


def offenders(root: Path) -> dict[str, list[int]]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        folders = [key for key in ALLOWED if key.endswith("/")]
        if relative in ALLOWED or relative.startswith(("db/migrations/", *folders)):
            continue
        if lines := inline_scoping(path):
            found[relative] = lines
    return found


def test_no_module_but_the_visibility_rules_filters_by_org_or_owner() -> None:
    assert offenders(PACKAGE) == {}


def test_every_allowed_module_still_exists() -> None:
    assert all((PACKAGE / relative).exists() for relative in ALLOWED)


def test_the_guard_notices_inline_filters_anywhere_in_the_package(tmp_path: Path) -> None:
    # given a package where three modules outside the visibility rules scope inline
    for relative, source in {
        "resolvers/lists.py": "def f(p):\n    return Account.org_id == p.principal.org_id\n",
        "auth/connections.py": "def f(me):\n    return select(C).where(me.user_id == C.user_id)\n",
        "ingest/load.py": "def f(ids):\n    t = Ticket\n    return t.owner_id.in_(ids)\n",
        "web/records.py": "def f(d):\n    return Document.org_id == d.org_id and Task.x == 1\n",
        "auth/audit.py": "def f(q):\n    return Call.org_id == q.org\n",
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(source)
    # and one that only joins two tables on their org columns
    join = (
        "def f(v):\n    c = Chunk\n    return (Doc.org_id == c.org_id) & (Doc.user_id == v.c.uid)\n"
    )
    (tmp_path / "resolvers" / "semantic.py").write_text(join)
    # when the guard reads it, then it names exactly the inline filters
    assert offenders(tmp_path) == {
        "auth/audit.py": [2],
        "auth/connections.py": [2],
        "ingest/load.py": [3],
        "resolvers/lists.py": [2],
        "web/records.py": [2],
    }
