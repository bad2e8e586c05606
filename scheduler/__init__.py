"""When to nudge, chase, escalate and post digests: policy, the send ledger and the wiring."""
