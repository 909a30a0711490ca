"""Only ``resolvers/visibility.py`` scopes reads to the caller's org or user.

Other modules may join tables on their ``org_id`` columns, but never compare anything with the
principal's org or user themselves: that is what the one-function-per-type rule means, and a
new query that forgets its visibility function would have to do exactly that to work at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import accountlens.resolvers as resolvers_package

ALLOWED = {"visibility.py"}
SCOPING_ATTRIBUTES = {"org_id", "user_id"}


def principal_scoping(path: Path) -> list[int]:
    """Lines where ``<something>.principal.org_id`` / ``principal.user_id`` is read."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in SCOPING_ATTRIBUTES:
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name == "principal":
                lines.append(node.lineno)
    return lines


def test_no_resolver_module_but_visibility_filters_by_the_principals_org_or_user() -> None:
    folder = Path(resolvers_package.__file__).parent
    offenders = {
        path.name: principal_scoping(path)
        for path in folder.rglob("*.py")
        if path.name not in ALLOWED and principal_scoping(path)
    }
    assert offenders == {}


def test_the_check_itself_notices_an_inline_org_filter(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(reader, Account):\n    return Account.org_id == reader.principal.org_id\n"
    )
    assert principal_scoping(sample) == [2]
