"""The plan's vocabulary, below every other package: RAG words, recurrence, timescales, the clock.

It imports no other project package, so storage (the importers), the core and every channel
can speak it without depending on each other.
"""
