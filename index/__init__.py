"""Storage and search primitives: the SQLite record, the vectors, word statistics, embedding."""
import os

# The embedding model's OpenMP threads spin while they wait for each other. When another process
# holds a core (a second bot, an ingest, a test run), each wait outlasts a scheduler time slice:
# a 14 ms query embedding took 1.2 s at p95 (README, "Measured": 30 queries beside a busy core). Waiting
# passively costs nothing measurable on a quiet machine. Set before any OpenMP runtime is loaded
# (faiss and the model both load one), and only if the operator has not chosen otherwise.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
