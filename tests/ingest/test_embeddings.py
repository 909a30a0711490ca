"""Embeddings: the bundled MiniLM model, and an OpenAI-compatible service served by the test."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import SecretStr

from accountlens.config import Settings
from accountlens.ingest.embeddings import (
    EMBEDDING_DIMENSIONS,
    LOCAL_MODEL_ID,
    Embedder,
    EmbeddingModelError,
    EmbeddingServiceError,
    LocalMiniLMEmbedder,
    OpenAICompatibleEmbedder,
    default_model_path,
    default_tokenizer_path,
    embedder_from_settings,
    get_local_embedder,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk-test-0123456789abcdef-do-not-leak"

RENEWAL_RISK = "The customer says the renewal is at risk because their budget was cut"
RENEWAL_PARAPHRASE = "They might not renew since funding got slashed this year"
UNRELATED = "There is a bug in the CSV export that drops the last column"


@pytest.fixture(scope="module")
def local() -> LocalMiniLMEmbedder:
    return get_local_embedder()


def cosine(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# ---------------------------------------------------------------------------------------------
# Local model
# ---------------------------------------------------------------------------------------------


def test_local_embeddings_are_384_wide_unit_length_float32(local: LocalMiniLMEmbedder) -> None:
    texts = [RENEWAL_RISK, "", "short", "word " * 1000]  # empty and over-long inputs too
    vectors = local.embed(texts)
    assert isinstance(local, Embedder)
    assert local.dimensions == EMBEDDING_DIMENSIONS == 384
    assert local.model_id == LOCAL_MODEL_ID
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_local_embeddings_are_deterministic_and_independent_of_batching(
    local: LocalMiniLMEmbedder,
) -> None:
    texts = [f"Account {n} asked about seat expansion in {n % 7 + 1} teams" for n in range(40)]
    texts.append(RENEWAL_RISK)
    together = local.embed(texts)
    again = local.embed(texts)
    alone = local.embed([RENEWAL_RISK])

    np.testing.assert_array_equal(together, again)
    # Batching sorts by length and pads: the row must still match the text embedded on its own.
    np.testing.assert_allclose(together[-1], alone[0], atol=1e-5)


def test_local_embedding_of_no_texts_is_an_empty_matrix(local: LocalMiniLMEmbedder) -> None:
    vectors = local.embed([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_a_single_string_is_rejected_rather_than_embedded_per_character(
    local: LocalMiniLMEmbedder,
) -> None:
    with pytest.raises(TypeError, match="not a single string"):
        local.embed(RENEWAL_RISK)


def test_a_paraphrase_scores_clearly_above_an_unrelated_sentence(
    local: LocalMiniLMEmbedder,
) -> None:
    risk, paraphrase, unrelated = local.embed([RENEWAL_RISK, RENEWAL_PARAPHRASE, UNRELATED])
    # Measured with this model: paraphrase ≈ 0.62, unrelated ≈ 0.13 and 0.08.
    assert cosine(risk, paraphrase) > cosine(risk, unrelated) + 0.3
    assert cosine(risk, paraphrase) > cosine(paraphrase, unrelated) + 0.3
    # Rows are unit length, so the dot product is the cosine.
    assert float(risk @ paraphrase) == pytest.approx(cosine(risk, paraphrase), abs=1e-5)


def test_local_embedding_works_with_the_network_blocked() -> None:
    code = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise OSError("network access attempted during offline embedding")

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse

        from accountlens.ingest.embeddings import LocalMiniLMEmbedder

        vectors = LocalMiniLMEmbedder().embed(["Offline embedding still works"])
        print(vectors.shape[0], vectors.shape[1], round(float((vectors * vectors).sum()), 4))
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "384", "1.0"]


def test_a_tampered_model_file_is_refused(tmp_path: Path) -> None:
    tampered = tmp_path / "model.onnx"
    shutil.copyfile(default_model_path(), tampered)
    with tampered.open("r+b") as handle:
        handle.seek(tampered.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))

    with pytest.raises(EmbeddingModelError, match="integrity check") as caught:
        LocalMiniLMEmbedder(model_path=tampered)
    message = str(caught.value)
    assert str(tampered) in message
    assert "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6" in message


def test_a_tampered_tokenizer_file_is_refused(tmp_path: Path) -> None:
    tampered = tmp_path / "tokenizer.json"
    original = default_tokenizer_path().read_text(encoding="utf-8")
    tampered.write_text(original.replace('"[UNK]"', '"[UNKNOWN]"', 1), encoding="utf-8")

    with pytest.raises(EmbeddingModelError, match="embedding tokenizer"):
        LocalMiniLMEmbedder(tokenizer_path=tampered)


def test_a_missing_model_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingModelError, match="not found"):
        LocalMiniLMEmbedder(model_path=tmp_path / "absent.onnx")


# ---------------------------------------------------------------------------------------------
# OpenAI-compatible service
# ---------------------------------------------------------------------------------------------


def fake_vector(text: str, width: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """A deterministic, deliberately un-normalised vector for a text."""
    seeded = random.Random(text)
    return [seeded.uniform(-3.0, 3.0) for _ in range(width)]


@dataclass
class FakeService:
    """What the fake server answers, and what it was sent."""

    base_url: str = ""
    mode: str = "ok"  # ok | error | wrong_dimensions | not_json
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def make_handler(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            authorization = self.headers.get("Authorization", "")
            with service.lock:
                service.requests.append(
                    {"path": self.path, "authorization": authorization, "body": body}
                )
            if service.mode == "error":
                # A careless server that echoes the credentials back in its error page.
                self.reply(500, f"internal error; you sent {authorization}".encode())
                return
            if service.mode == "not_json":
                self.reply(200, b"<html>gateway</html>")
                return
            width = 383 if service.mode == "wrong_dimensions" else EMBEDDING_DIMENSIONS
            data = [
                {"object": "embedding", "index": index, "embedding": fake_vector(text, width)}
                for index, text in enumerate(body["input"])
            ]
            random.Random(len(data)).shuffle(data)  # real services do not promise order
            answer = {"object": "list", "data": data, "model": body["model"]}
            self.reply(200, json.dumps(answer).encode())

        def reply(self, status: int, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeService]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    state = FakeService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_service_embeddings_come_back_in_input_order_and_normalised(
    service: FakeService,
) -> None:
    texts = [f"note number {n}" for n in range(5)]
    with OpenAICompatibleEmbedder(
        service.base_url + "/", "text-embedding-3-small", SecretStr(API_KEY), batch_size=2
    ) as embedder:
        vectors = embedder.embed(texts)

    assert isinstance(embedder, Embedder)
    assert vectors.dtype == np.float32
    assert vectors.shape == (5, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    for row, text in zip(vectors, texts, strict=True):
        expected = np.asarray(fake_vector(text))
        np.testing.assert_allclose(row, expected / np.linalg.norm(expected), atol=1e-6)

    assert [len(request["body"]["input"]) for request in service.requests] == [2, 2, 1]
    for request in service.requests:
        assert request["path"] == "/v1/embeddings"
        assert request["authorization"] == f"Bearer {API_KEY}"
        assert request["body"]["model"] == "text-embedding-3-small"
        assert request["body"]["dimensions"] == 384


def test_service_without_a_key_sends_no_authorization_header(service: FakeService) -> None:
    with OpenAICompatibleEmbedder(service.base_url, "local-model") as embedder:
        assert embedder.embed(["hello"]).shape == (1, 384)
    assert service.requests[0]["authorization"] == ""


def test_service_is_not_called_for_no_texts(service: FakeService) -> None:
    with OpenAICompatibleEmbedder(service.base_url, "m", API_KEY) as embedder:
        assert embedder.embed([]).shape == (0, 384)
    assert service.requests == []


def test_a_service_error_raises_without_revealing_the_key(service: FakeService) -> None:
    service.mode = "error"
    with (
        OpenAICompatibleEmbedder(service.base_url, "m", SecretStr(API_KEY)) as embedder,
        pytest.raises(EmbeddingServiceError, match="HTTP 500") as caught,
    ):
        embedder.embed(["hello"])
    assert API_KEY not in str(caught.value)
    assert caught.value.__cause__ is None


def test_a_wrong_dimension_from_the_service_raises(service: FakeService) -> None:
    service.mode = "wrong_dimensions"
    with (
        OpenAICompatibleEmbedder(service.base_url, "m", API_KEY) as embedder,
        pytest.raises(EmbeddingServiceError, match="383 dimensions, expected 384"),
    ):
        embedder.embed(["hello", "world"])


def test_a_non_json_answer_from_the_service_raises(service: FakeService) -> None:
    service.mode = "not_json"
    with (
        OpenAICompatibleEmbedder(service.base_url, "m", API_KEY) as embedder,
        pytest.raises(EmbeddingServiceError, match="not valid JSON"),
    ):
        embedder.embed(["hello"])


def test_an_unreachable_service_raises_without_revealing_the_key() -> None:
    # Port 9 on loopback (discard) is closed on any sane test host.
    with (
        OpenAICompatibleEmbedder("http://127.0.0.1:9/v1", "m", API_KEY, timeout=5) as embedder,
        pytest.raises(EmbeddingServiceError, match="request failed") as caught,
    ):
        embedder.embed(["hello"])
    assert API_KEY not in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Selection from settings
# ---------------------------------------------------------------------------------------------


def test_settings_select_the_shared_local_embedder_by_default() -> None:
    settings = Settings(_env_file=None, embedding_backend="local")
    assert embedder_from_settings(settings) is get_local_embedder()


def test_settings_select_the_openai_compatible_service(service: FakeService) -> None:
    settings = Settings(
        _env_file=None,
        embedding_backend="openai",
        embedding_url=service.base_url,
        embedding_model="my-embedder",
        embedding_api_key=SecretStr(API_KEY),
        embedding_batch_size=3,
    )
    embedder = embedder_from_settings(settings)
    assert isinstance(embedder, OpenAICompatibleEmbedder)
    with embedder:
        assert embedder.model_id == "my-embedder"
        assert embedder.batch_size == 3
        assert embedder.embed(["a", "b", "c", "d"]).shape == (4, 384)
    assert [request["body"]["model"] for request in service.requests] == ["my-embedder"] * 2
    assert service.requests[0]["authorization"] == f"Bearer {API_KEY}"
