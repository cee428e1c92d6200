from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def sample_text(name_prefix: str) -> str:
    from ingest.clean import normalize

    path = next(SAMPLES.glob(f"{name_prefix}*.txt"))
    return normalize(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def loaded_home(tmp_path_factory):
    """A congvan home with the five sample directives ingested once for the whole test run."""
    from bot.core.api import Congvan

    home = tmp_path_factory.mktemp("congvan-home")
    results = Congvan(home).ingest([SAMPLES])
    assert [r.action for r in results] == ["added"] * 5, [(r.file, r.reason) for r in results]
    return home
