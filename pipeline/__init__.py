"""Shared machinery of sgmatch: typed params, artifact schemas, Parquet I/O, dask, logging, CLI.

Nothing here knows about captions or images; the stages in :mod:`stages` do.
"""

__version__ = "0.1.0"
