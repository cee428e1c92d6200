"""Storage and search primitives: the SQLite record, the vectors, word statistics, embedding."""
import os

# The embedding model's OpenMP threads spin while they wait for each other. When another process
# holds a core (a second bot, an ingest, a test run), each wait outlasts a scheduler time slice:
# a query embedding took 1.7 s beside another process embedding (README, "Under CPU contention").
# So they wait passively, after a short spin (GOMP_SPINCOUNT 1000, ~70 us): a question's
# embedding passes ~170 parallel regions, and waking a sleeping thread at each cost more than the
# second thread saved (16 ms on two threads against 13 on one); spinning ~70 us bridges the gaps
# between regions (7 ms on two threads), and beside a busy process costs at most that per region.
# With more model threads than cores (a question beside an ingest in one process) libgomp does
# not spin at all. Set before any OpenMP runtime is loaded (faiss and the model both load one),
# and only if the operator has not chosen a wait policy.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    os.environ.setdefault("GOMP_SPINCOUNT", "1000")
