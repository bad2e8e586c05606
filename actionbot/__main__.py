"""`python -m actionbot` runs the CLI (same as the `actionbot` console script)."""

import sys

from actionbot.cli import main

sys.exit(main())
