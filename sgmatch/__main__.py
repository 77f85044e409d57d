"""``python -m sgmatch`` is the ``sgmatch`` command."""

from sgmatch.cli import main

raise SystemExit(main())
