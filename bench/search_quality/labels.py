"""Each demo passage's label, rebuilt from the generator the way the demo build makes them.

The build realises every exchange template a fixed number of times from the seed (the
:class:`PassagePool`), and knowledge-base paragraphs are fixed texts, so rebuilding the pool
with the same seed and preset maps every chunk text the demo can hold to the template it came
from, with no chunk ID written down anywhere.
"""

from __future__ import annotations

from accountlens.ingest.demo.kb import ARTICLES
from accountlens.ingest.demo.presets import PRESETS, Scale
from accountlens.ingest.demo.transcripts import PassagePool, TextIndex

_GROUPS = {"topic": "t", "internal": "i"}


def passage_labels(seed: int, scale: Scale = "small") -> dict[str, str]:
    """Chunk text -> label (``t:<topic>/<n>``, ``i:<topic>/<n>``, ``kb:<title>/<n>``, ...)."""
    texts = TextIndex()
    pool = PassagePool.build(seed, PRESETS[scale].wordings_per_exchange, texts)
    labels: dict[str, str] = {}
    for key, passages in pool.by_template.items():
        group, _, rest = key.partition(":")
        label = f"{_GROUPS[group]}:{rest}" if rest else key  # opening/0, closing/0
        for passage in passages:
            labels.setdefault(texts.text(passage.text_index), label)
    for title, paragraphs in ARTICLES:
        for position, paragraph in enumerate(paragraphs):
            labels.setdefault(paragraph, f"kb:{title}/{position}")
    return labels


def grade(label: str | None, grades: dict[str, int]) -> int:
    """The grade a judgment gives ``label``: its own entry or its topic's/article's, the best."""
    if label is None:
        return 0
    best = grades.get(label, 0)
    parent = label.rpartition("/")[0]
    return max(best, grades.get(parent, 0))
