"""The composition root: the CLI, `actionbot serve`, the scheduler's process wiring and the admin
commands. It is the only package that knows every other one; nothing imports it.

Dependencies point one way: storage ← bot ← {cards, scheduler} ← handlers ← actionbot (and the
leaf `domain` below them all).
"""
