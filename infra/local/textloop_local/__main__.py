"""``python -m textloop_local serve|demo`` (same as the ``textloop`` console script)."""

import sys

from textloop_local.cli import main

sys.exit(main())
