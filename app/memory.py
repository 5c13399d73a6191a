"""Python's garbage collector in a long-running process (a web process, a job worker), kept off the requests.

A started process holds some 200,000 objects that live as long as it does: the app, its routes and templates,
SQLAlchemy's mappers and compiled statements, the order types. Python's collector walks every one of them at each
full collection, and a request that draws a list of 50 lines allocates enough to set one off every few dozen
requests: about 100 ms, in the middle of whichever request was unlucky (one inbox view in ten took 137 ms against
24 ms for the others, on the benchmark's database), and about a sixth of a line search's time went to
collecting. So, once a process has started, what it holds is moved out of the collector's sight (`gc.freeze`:
those objects are never freed, and they were never going to be), and the youngest generation is collected every
YOUNG_THRESHOLD allocations rather than Python's 700: a request's own objects are freed by reference counting as
they always were; the collector only finds the cycles among them (SQLAlchemy's objects and their states), a few
times a request fewer.

Called by the entry points (`wsgi.py`, `worker.py`), after the app is built, never by `create_app`: a test
process builds many apps, and freezing each would keep every one of them for good.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # allocations between two collections of the youngest generation (Python's default: 700)


def settle_after_start() -> None:
    """Collect what starting left behind, freeze the rest (it lives as long as the process), and collect the
    young generation less often."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
