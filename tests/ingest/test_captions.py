"""Caption parsing of untrusted files: markup that never closes costs time in proportion to it."""

from __future__ import annotations

from accountlens.ingest.importer.transcripts.captions import parse_vtt


def _vtt(*payloads: str) -> str:
    cues = [f"00:00:0{i}.000 --> 00:00:0{i}.900\n{text}\n" for i, text in enumerate(payloads)]
    return "WEBVTT\n\n" + "\n".join(cues)


def test_voice_tags_and_classes_are_read_as_before() -> None:
    cues = parse_vtt(_vtt("<v.loud Ada Diaz>We <i>renew</i> <00:00:00.500>in May</v>"))
    assert [(c.speaker, c.text) for c in cues] == [("Ada Diaz", "We renew in May")]


def test_a_cue_of_unclosed_tags_is_parsed_in_linear_time_with_its_text_kept() -> None:
    # given cues of 200,000 characters of markup that never closes: an opened voice tag
    # followed by blanks, opened voice tags, and bare "<" (each took quadratic time: ~1.4 s of
    # CPU for 40,000 characters, hours for a few megabytes)
    size = 200_000
    text = parse_vtt(_vtt("<v" + " " * size + "x", "<v " * (size // 3), "<" * size))
    # then each is read as the text it is (nothing there is a tag), and promptly
    assert [c.speaker for c in text] == [None, None, None]
    assert [len(c.text) for c in text] == [4, len("<v " * (size // 3)) - 1, size]
