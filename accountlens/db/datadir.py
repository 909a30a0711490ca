"""Finding the embedded database's data directory, so commands use the one the server uses.

``ACCOUNTLENS_DATA_DIR`` defaults to ``.accountlens``, a path relative to where a command runs.
Run from another folder, ``accountlens import`` used to start (and fill) a fresh embedded
database there that the running server never saw. Now, when the directory is not configured,
commands look for an existing one (the working directory and its parents, like git looks for
``.git``, then the project checkout), and operator commands that must not create a database
refuse with a message naming every place they looked.
"""

from __future__ import annotations

from pathlib import Path

from accountlens.config import Settings

DEFAULT_NAME = ".accountlens"
#: The checkout the package runs from (``dev.py serve`` keeps its database there); None when
#: the package is installed elsewhere (site-packages has no pyproject.toml beside it).
_CHECKOUT = Path(__file__).resolve().parents[2]
PROJECT_ROOT: Path | None = _CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() else None


class DataDirNotFoundError(RuntimeError):
    """No embedded database exists where the server would keep it, and none may be created."""


def has_database(data_dir: Path) -> bool:
    """Whether ``data_dir`` holds an initialised embedded PostgreSQL."""
    return (data_dir / "pgdata" / "PG_VERSION").is_file()


def candidates(settings: Settings, cwd: Path | None = None) -> list[Path]:
    """Where the server's data directory may be, most specific first."""
    if "data_dir" in settings.model_fields_set:
        return [settings.data_dir.expanduser().resolve()]
    here = (cwd or Path.cwd()).resolve()
    places = [folder / DEFAULT_NAME for folder in (here, *here.parents)]
    if PROJECT_ROOT is not None and PROJECT_ROOT / DEFAULT_NAME not in places:
        places.append(PROJECT_ROOT / DEFAULT_NAME)
    return places


def locate_data_dir(settings: Settings, *, may_create: bool, cwd: Path | None = None) -> Settings:
    """``settings`` with ``data_dir`` naming the embedded database to use.

    With ``DATABASE_URL`` set nothing changes. Otherwise the first candidate holding a
    database wins. None found: with ``may_create`` (``serve``, ``migrate``, ``demo``) the
    configured or default directory, to be created; without it :class:`DataDirNotFoundError`.
    """
    if settings.database_url is not None:
        return settings
    places = candidates(settings, cwd)
    found = next((place for place in places if has_database(place)), None)
    if found is not None:
        return settings.model_copy(update={"data_dir": found})
    if may_create:
        return settings
    raise DataDirNotFoundError(_not_found(settings, places))


def _not_found(settings: Settings, places: list[Path]) -> str:
    if "data_dir" in settings.model_fields_set:
        looked = f"in ACCOUNTLENS_DATA_DIR={places[0]}"
    else:
        shown = [str(places[0]), f"{DEFAULT_NAME} in each of its parent directories"]
        if PROJECT_ROOT is not None:
            shown.append(str(PROJECT_ROOT / DEFAULT_NAME))
        looked = "in " + ", ".join(shown)
    return (
        f"no embedded database found (looked {looked}). This command does not create one, so "
        "that it never writes to a database the server does not use: run it where the server "
        "keeps its data, set ACCOUNTLENS_DATA_DIR to the server's data directory, or set "
        "DATABASE_URL. To create a new database, run `accountlens migrate` (or `serve`) first."
    )
