"""The layer rules are machine-checked, and each check is proved able to fail.

Every contract in ``pyproject.toml`` is run against a copy of the package with one planted
violation, the kind a scratch change once slipped past unnoticed; the contract that owns that
rule must report it broken. A contract that never fails would be decoration.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import accountlens

ROOT = Path(accountlens.__file__).parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

#: (contract name prefix, planted module path, its source)
PLANTED = [
    ("The MCP adapter reaches", "mcp_adapter/planted.py", "import accountlens.resolvers.lists\n"),
    ("The MCP adapter reaches", "mcp_adapter/planted.py", "import accountlens.db.engine\n"),
    ("The web UI reads", "web/planted.py", "from accountlens.resolvers import visibility\n"),
    ("Above the resolvers", "mcp_adapter/planted.py", "import sqlalchemy\n"),
    ("Above the resolvers", "web/planted.py", "import asyncpg\n"),
    ("Above the resolvers", "schema/planted.py", "from accountlens.auth import repository\n"),
    ("Every part sits", "ingest/planted.py", "import accountlens.web.pages\n"),
    ("Every part sits", "auth/planted.py", "import accountlens.mcp_adapter.server\n"),
    ("Every part sits", "config.py", "import accountlens.cli\n"),
    ("Every part sits", "telemetry/planted.py", "import accountlens.auth.tokens\n"),
    ("Every part sits", "db/planted.py", "import accountlens.resolvers.reader\n"),
]


def contracts() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [c["name"] for c in config["tool"]["importlinter"]["contracts"]]


def lint(tree: Path) -> str:
    """lint-imports' report on the package copy in ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("arch")
    shutil.copytree(
        ROOT / "accountlens", tree / "accountlens", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_every_part_of_the_package_is_in_the_layer_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (layers,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    layered = {name.strip() for layer in layers["layers"] for name in layer.split("|")}
    parts = {
        f"accountlens.{p.stem}"
        for p in (ROOT / "accountlens").iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.stem != "__init__")
    }
    assert parts == layered


def test_the_unchanged_package_keeps_every_contract(package_copy: Path) -> None:
    report = " ".join(lint(package_copy).split())
    assert f"Contracts: {len(contracts())} kept, 0 broken." in report, report


@pytest.mark.parametrize(
    ("contract", "module", "source"), PLANTED, ids=[p[1] + ":" + p[2].strip() for p in PLANTED]
)
def test_a_planted_violation_breaks_its_contract(
    package_copy: Path, contract: str, module: str, source: str
) -> None:
    # given the package with one module (new, or an existing one extended) that breaks a rule
    path = package_copy / "accountlens" / module
    original = path.read_text() if path.exists() else None
    path.write_text((original or "") + source)
    try:
        # when the contracts run
        report = " ".join(lint(package_copy).split())  # long names wrap in the report
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_text(original)
    # then the contract that owns the rule is broken
    (name,) = [n for n in contracts() if n.startswith(contract)]
    assert f"{name} BROKEN" in report, report
