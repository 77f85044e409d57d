"""The ``sgmatch`` command, on top of every other package: it runs the stages and shows what they
wrote (:mod:`sgmatch.cli`; the inspection page is :mod:`sgmatch.report`)."""

from pipeline import __version__

__all__ = ["__version__"]
