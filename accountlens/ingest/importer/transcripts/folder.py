"""``--source transcripts``: a folder of meeting transcripts, one file per meeting.

Each ``.vtt``, ``.srt`` or ``.json`` file (a JSON file holding ``turns``) is one transcript row;
a ``.json`` file without ``turns`` named like a caption file is that file's sidecar (its title,
time, participants and account). Other files (recordings, chat logs) are left alone. A file
that cannot be read is rejected with its own ``file:line`` and the others are imported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from accountlens.ingest.importer.reading import (
    Batches,
    ParsedFile,
    ParsedRow,
    RawRejected,
    describe_errors,
)
from accountlens.ingest.importer.report import RejectedRow
from accountlens.ingest.importer.transcripts.captions import (
    CaptionError,
    duration_of,
    parse_srt,
    parse_vtt,
    turns_of,
)
from accountlens.ingest.importer.transcripts.meeting import (
    MeetingFile,
    MeetingInfo,
    bare_domain,
)

M = TypeVar("M", bound=BaseModel)
LABEL = "transcripts"
CAPTIONS = {".vtt": parse_vtt, ".srt": parse_srt}
#: Zoom names cloud-recording files after the meeting's start in UTC: GMT20240312-150000_…
_ZOOM_NAME = re.compile(r"GMT(\d{8})-(\d{6})")
#: The largest transcript file read (the setting ``import_max_transcript_bytes``): each file is
#: read whole, so this bounds the memory one file takes.
MAX_TRANSCRIPT_BYTES = 64 * 1024 * 1024


class TranscriptFileError(ValueError):
    """A transcript file that cannot be imported, and the line at fault (1 for the file)."""

    def __init__(self, line: int, message: str, external_id: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.external_id = external_id


class TranscriptFolder:
    """The transcript files of a folder, read as rows of the transcript record file."""

    def __init__(self, directory: Path, max_bytes: int = MAX_TRANSCRIPT_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        files = sorted(path for path in directory.iterdir() if path.is_file())
        captions = {path.stem.casefold() for path in files if path.suffix.lower() in CAPTIONS}
        self.sidecars = {
            path.stem.casefold(): path
            for path in files
            if path.suffix.lower() == ".json" and path.stem.casefold() in captions
        }
        sidecar_paths = set(self.sidecars.values())
        self.files = [
            path
            for path in files
            if (path.suffix.lower() in CAPTIONS or path.suffix.lower() == ".json")
            and path not in sidecar_paths
        ]

    @property
    def label(self) -> str:
        return LABEL

    def size(self) -> int:
        return len(self.files)

    def batches(
        self, model: type[M], size: int, advance: Callable[[int], None] | None
    ) -> Batches[M]:
        parsed: ParsedFile[M] = ParsedFile()
        for path in self.files:
            if advance is not None:
                advance(1)
            try:
                data = self._row_of(path)
                row = _validated(model, data)
            except TranscriptFileError as problem:
                parsed.rejected.append(RejectedRow(path.name, problem.line, str(problem)))
                raw = {"external_id": problem.external_id or path.name}
                parsed.rejected_raw.append(RawRejected(problem.line, raw, path.name))
                continue
            parsed.rows.append(ParsedRow(1, row, path.name))
            if len(parsed.rows) >= size:
                yield parsed
                parsed = ParsedFile()
        yield parsed

    def _row_of(self, path: Path) -> dict[str, Any]:
        text = self._text_of(path)
        parse = CAPTIONS.get(path.suffix.lower())
        if parse is None:
            meeting = _meeting_of(MeetingFile, text)
            turns = [
                {"speaker": t.speaker, "start_seconds": int(t.start_seconds), "text": t.text}
                for t in meeting.turns
            ]
            return _row(path, meeting, turns, meeting.duration_seconds)
        try:
            cues = parse(text)
        except CaptionError as exc:
            raise TranscriptFileError(exc.line, str(exc)) from exc
        turns = [vars(turn) for turn in turns_of(cues)]
        if not turns:
            raise TranscriptFileError(1, "the file holds no spoken text (no cues)")
        sidecar = self.sidecars.get(path.stem.casefold())
        info = (
            _meeting_of(MeetingInfo, self._text_of(sidecar), sidecar) if sidecar else MeetingInfo()
        )
        return _row(path, info, turns, info.duration_seconds or duration_of(cues))

    def _text_of(self, path: Path) -> str:
        size = path.stat().st_size
        if size > self.max_bytes:
            raise TranscriptFileError(
                1,
                f"the file is {size:,} bytes, over the limit of {self.max_bytes:,} "
                "(ACCOUNTLENS_IMPORT_MAX_TRANSCRIPT_BYTES); it was not read",
            )
        return _text_of(path)


def _text_of(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TranscriptFileError(line, "the file is not valid UTF-8 text") from exc


Info = TypeVar("Info", bound=MeetingInfo)


def _meeting_of(model: type[Info], text: str, sidecar: Path | None = None) -> Info:
    """``text`` read as our JSON form; a sidecar's problems name the sidecar."""
    where = f" (in {sidecar.name})" if sidecar is not None else ""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptFileError(exc.lineno, f"not valid JSON{where}: {exc.msg}") from exc
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise TranscriptFileError(1, describe_errors(model, exc.errors()) + where) from exc


def _row(
    path: Path, info: MeetingInfo, turns: list[dict[str, Any]], duration: int | None
) -> dict[str, Any]:
    external_id = info.id or path.name
    occurred_at = info.occurred_at or _zoom_start(path.name)
    if occurred_at is None:
        raise TranscriptFileError(
            1,
            f"no meeting time: put {path.stem}.json beside it with occurred_at (see "
            "docs/import-format.md), or keep Zoom's GMTyyyymmdd-hhmmss file name",
            external_id,
        )
    return {
        "external_id": external_id,
        "kind": "transcript",
        "title": info.title or path.stem,
        "occurred_at": occurred_at.isoformat(),
        "duration_seconds": duration,
        "account": info.account,
        "account_domain": bare_domain(info.account_domain) if info.account_domain else None,
        "attendees": [attendee.model_dump() for attendee in info.participants],
        "turns": turns,
    }


def _zoom_start(name: str) -> datetime | None:
    match = _ZOOM_NAME.search(name)
    if match is None:
        return None
    try:
        return datetime.strptime("".join(match.groups()), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _validated(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate_json(json.dumps(data))
    except ValidationError as exc:
        message = describe_errors(model, exc.errors())
        raise TranscriptFileError(1, message, data["external_id"]) from exc
