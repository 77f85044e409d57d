"""The bottom layer of sgmatch: errors, typed params, artifact schemas, atomic Parquet I/O,
dask, logging, the stage declaration and the checks of ``dvc.yaml``.

Nothing here knows about captions or images (:mod:`text` and :mod:`vision` do) and nothing here
imports any other package of the project.
"""

__version__ = "0.1.0"
