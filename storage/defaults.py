"""Where the database is when nothing says otherwise: one constant that the settings (`bot.config`)
and the plain `alembic` command (`storage/migrations/env.py`) share, in a module light enough for
the settings to import without loading SQLAlchemy."""

DEFAULT_DATABASE_URL = "sqlite:///actionbot.db"  # `DATABASE_URL` unset: a file beside the process
