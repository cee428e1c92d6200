import os

import faiss
import numpy as np
import pytest

from index.vectors import VectorIndex

DIM = 8


def unit(rng, n):
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def filled():
    rng = np.random.default_rng(0)
    vectors = unit(rng, 5)
    index = VectorIndex(DIM)
    index.add([10, 20, 30, 40, 50], vectors)
    return index, vectors


def test_search_returns_chunk_ids_and_cosines_best_first(filled):
    index, vectors = filled
    hits = index.search(vectors[2], 3)
    assert [i for i, _ in hits][0] == 30
    assert hits[0][1] == pytest.approx(1.0, abs=1e-3)  # held as 16-bit floats
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    cosines = vectors @ vectors[2]
    expected = [([10, 20, 30, 40, 50][n], float(cosines[n])) for n in np.argsort(-cosines)[:3]]
    assert [i for i, _ in hits] == [i for i, _ in expected]
    assert [s for _, s in hits] == pytest.approx([s for _, s in expected], abs=1e-3)


def test_the_nearest_are_those_of_an_exact_search_in_32_bits():
    rng = np.random.default_rng(1)
    dim = 384
    vectors = rng.standard_normal((5000, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex(dim)
    index.add(range(5000), vectors)
    found = []
    for query in vectors[rng.choice(5000, 20)] + 0.5 * rng.standard_normal((20, dim)).astype(np.float32) / dim ** 0.5:
        query /= np.linalg.norm(query)
        exact = set(np.argsort(-(vectors @ query))[:60].tolist())
        found.append(len(exact & {i for i, _ in index.search(query, 60)}) / 60)
    assert np.mean(found) >= 0.99


def test_ids_stay_stable_after_removals(filled):
    index, vectors = filled
    index.remove([20, 40, 999])
    assert index.ids() == {10, 30, 50}
    assert len(index) == 3
    for n, chunk_id in [(0, 10), (2, 30), (4, 50)]:
        assert index.search(vectors[n], 1)[0][0] == chunk_id
    index.add([60], vectors[1:2])
    assert index.search(vectors[1], 1)[0][0] == 60
    assert index.ids() == {10, 30, 50, 60}


def test_remove_accepts_a_set_and_nothing(filled):
    index, _ = filled
    index.remove(set())
    index.remove(index.ids() - {10})
    assert index.ids() == {10}


def test_k_larger_than_count_returns_only_real_ids(filled):
    index, vectors = filled
    hits = index.search(vectors[0], 50)
    assert sorted(i for i, _ in hits) == [10, 20, 30, 40, 50]
    assert VectorIndex(DIM).search(vectors[0], 5) == []
    assert index.search(vectors[0], 0) == []


def test_add_rejects_wrong_shapes_and_repeated_ids(filled):
    index, vectors = filled
    with pytest.raises(ValueError):
        index.add([1, 2], vectors[:3])
    with pytest.raises(ValueError):
        index.add([1], np.ones((1, DIM + 1), dtype=np.float32))
    with pytest.raises(ValueError, match="already present"):
        index.add([10], vectors[:1])
    with pytest.raises(ValueError, match="twice"):
        index.add([7, 7], vectors[:2])
    assert index.ids() == {10, 20, 30, 40, 50}


def test_add_converts_float64(filled):
    index, vectors = filled
    index.add([70], vectors[3:4].astype(np.float64))
    assert index.search(vectors[3], 2)[0][1] == pytest.approx(1.0, abs=1e-3)


def test_save_load_round_trip_leaves_no_temp_file(filled, tmp_path):
    index, vectors = filled
    index.remove([30])
    path = tmp_path / "vectors.faiss"
    index.save(path)
    index.save(path)  # replacing an existing file
    assert os.listdir(tmp_path) == ["vectors.faiss"]
    loaded = VectorIndex.load(path)
    assert loaded.dim == DIM
    assert loaded.ids() == {10, 20, 40, 50}
    assert loaded.search(vectors[3], 4) == index.search(vectors[3], 4)


def test_failed_save_keeps_previous_file(filled, tmp_path, monkeypatch):
    index, vectors = filled
    path = tmp_path / "vectors.faiss"
    index.save(path)
    before = path.read_bytes()

    real_write = faiss.write_index

    def write_then_fail(idx, writer):
        real_write(idx, writer)  # bytes reach the temp file before the failure
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", write_then_fail)
    index.add([60], vectors[:1])
    with pytest.raises(OSError, match="disk full"):
        index.save(path)
    assert os.listdir(tmp_path) == ["vectors.faiss"]
    assert path.read_bytes() == before
    assert VectorIndex.load(path).ids() == {10, 20, 30, 40, 50}


def test_load_rejects_other_faiss_files(tmp_path):
    path = tmp_path / "flat.faiss"
    faiss.write_index(faiss.IndexFlatIP(DIM), str(path))
    with pytest.raises(ValueError):
        VectorIndex.load(path)


def test_a_chunk_s_cosine_comes_from_its_stored_vector_and_an_absent_chunk_has_none():
    index = VectorIndex(4)
    vectors = np.eye(4, dtype=np.float32)[:3]
    index.add([7, 8, 9], vectors)
    query = np.array([0.6, 0.8, 0, 0], dtype=np.float32)
    found = index.cosines(query, [8, 9, 42])
    assert set(found) == {8, 9}
    assert found[8] == pytest.approx(0.8, abs=1e-3) and found[9] == pytest.approx(0.0, abs=1e-3)
