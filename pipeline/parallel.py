"""Parallel map over partitions with dask.distributed.

By default a :class:`distributed.LocalCluster` sized to the machine (one single-threaded
worker process per usable core, memory split evenly). Give an address, with
``--dask-address`` or the ``SGMATCH_DASK_ADDRESS`` environment variable, to run on an
existing cluster instead (see ``docker/compose.yaml``). ``workers=0`` runs in this process
without dask, which is what tests and debuggers want.

Functions passed to :func:`map_partitions` must be importable top-level functions (they are
pickled to the workers) and should return small results: partitions are written to disk by
the workers themselves.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from pipeline.logs import progress

log = logging.getLogger(__name__)

ADDRESS_ENV = "SGMATCH_DASK_ADDRESS"

R = TypeVar("R")

# A local cluster's workers run Python-heavy tasks (spaCy, the rules) on one thread each; every
# periodic callback of the worker's event loop takes the GIL from the task. With no dashboard,
# the statistical profiler (a stack sample every 10 ms) and the system monitor feed nothing, and
# the tick that watches for a blocked event loop need not run 50 times a second: quieted, the
# rules parse ran 1,290 instead of 920 texts/s on 2 workers. Memory is still watched every second.
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _total_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


@contextlib.contextmanager
def dask_client(address: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """Yield a dask client, or ``None`` to run in-process.

    ``address`` (else ``$SGMATCH_DASK_ADDRESS``) connects to a running scheduler.
    Otherwise ``workers`` local worker processes are started (default: one per core);
    ``workers=0`` starts nothing and yields ``None``.
    """
    address = address or os.environ.get(ADDRESS_ENV) or None
    if address is None and workers == 0:
        yield None
        return
    import dask
    from distributed import Client, LocalCluster

    # distributed sets its loggers up when imported; its lifecycle chatter is not ours.
    logging.getLogger("distributed").setLevel(max(logging.WARNING, log.getEffectiveLevel()))
    if address is not None:
        log.info("connecting to the dask scheduler at %s", address)
        with Client(address) as client:
            yield client
        return
    n = workers if workers is not None else usable_cores()
    total = _total_memory_bytes()
    memory_limit = int(total * 0.9 / n) if total else "auto"
    log.info("starting a local dask cluster: %d worker processes, 1 thread each", n)
    with (
        dask.config.set(QUIET_WORKERS),
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def map_partitions(
    fn: Callable[..., R],
    items: Sequence[Any],
    client: Any,
    desc: str,
    **kwargs: Any,
) -> list[R]:
    """Apply ``fn(item, **kwargs)`` to every item, on the cluster if ``client`` is given.

    Results come back in the order of ``items``. The first failure cancels the rest and is
    raised here, with its original traceback.
    """
    if client is None:
        return [fn(item, **kwargs) for item in progress(items, desc=desc)]
    from distributed import as_completed

    futures = client.map(fn, items, pure=False, **kwargs)
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    try:
        for future in progress(as_completed(futures), desc=desc, total=len(futures)):
            results[index[future.key]] = future.result()
    except BaseException:
        client.cancel(futures)
        raise
    return results
