"""An embedder loaded on first use, so an import without documents never loads the model.

The local model costs about 240 MB of memory and a few hundred milliseconds to load; a CRM
export (accounts, contacts, opportunities) has no passages to embed and should not pay that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from accountlens.db.models import EMBEDDING_DIMENSIONS
from accountlens.ingest.embeddings import Embedder, FloatMatrix


class DeferredEmbedder:
    """Builds the real embedder with ``build`` when a text is first embedded."""

    def __init__(self, build: Callable[[], Embedder]) -> None:
        self._build = build
        self._built: Embedder | None = None

    def _embedder(self) -> Embedder:
        if self._built is None:
            self._built = self._build()
        return self._built

    @property
    def dimensions(self) -> int:
        # Every embedder we build is this wide (and checks it when built).
        return EMBEDDING_DIMENSIONS

    @property
    def model_id(self) -> str:
        return self._embedder().model_id

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        return self._embedder().embed(texts)
