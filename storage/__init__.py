"""Persistence: SQLModel tables, the engine, repositories, migrations, importers and exporters."""
