"""The terminal channel: the same conversation without any workspace (trying, training)."""
