"""`python -m bot` runs the CLI (same as the `actionbot` console script)."""

import sys

from bot.cli import main

sys.exit(main())
