"""Memory readings of this process for the benchmarks (Linux ``/proc/self/status``).

``VmHWM`` is the process's own peak resident size; ``getrusage``'s ``ru_maxrss`` is not used
because a child process's starts at its parent's peak.
"""

from __future__ import annotations

from pathlib import Path


def status_mb(key: str) -> float:
    """A ``/proc/self/status`` field in MB (``VmRSS``, ``VmHWM``, ``RssAnon``); NaN where absent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")
