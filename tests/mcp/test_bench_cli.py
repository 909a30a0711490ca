"""``python -m bench`` runs one preset or several in one command, each in a folder of its own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.load.__main__ import main


def _refusal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
             *argv: str) -> str:  # fmt: skip
    monkeypatch.setattr(sys, "argv", ["python -m bench", *argv])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2  # argparse's usage error: nothing was started
    return capsys.readouterr().err


def test_an_unknown_preset_is_named_with_the_choices(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    said = _refusal(monkeypatch, capsys, "--scale", "medium,huge")
    assert "'huge'" in said
    assert "small, medium, large" in said


def test_several_presets_refuse_one_shared_data_folder(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    said = _refusal(monkeypatch, capsys, "--scale", "medium,large", "--data-dir", str(tmp_path))
    assert "{scale}" in said
    assert not any(tmp_path.iterdir())  # no preset was built into the shared folder
