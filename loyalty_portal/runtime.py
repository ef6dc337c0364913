"""Interpreter settings for a process that serves the app (`app.py` applies them).

Tests and tools that build apps with `create_app` keep Python's defaults.
"""

from __future__ import annotations

import gc

#: Python's default first threshold (700 allocations) sets off a young collection every
#: few hundred objects and a full one, which walks every object the process holds (the
#: app, SQLAlchemy's mappings), every 70,000. Batch ingest builds several objects an
#: event: in one process a 1,000-event batch spent about a quarter of its CPU in
#: collections (bench/README.md, seventh pass). Ten times the first threshold leaves what
#: is collected unchanged, only less often; memory held meanwhile stays small.
GC_THRESHOLDS = (7_000, 10, 10)


def tune_garbage_collector() -> None:
    """Collect garbage less often (`GC_THRESHOLDS`)."""
    gc.set_threshold(*GC_THRESHOLDS)
