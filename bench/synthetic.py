"""Synthetic plans at a council's largest size, for the scale benchmarks.

A plan of N actions spread over 10 priorities (findings of 10 actions each), led by R roles, and
a people directory of P people holding those roles, with manager chains and an SIT. The shape
follows the reference plan (timescales in its own words, a few actions already completed, some
partners), so every code path the real plan takes is taken at scale. Deterministic: the same
size gives the same files.

Run: `python -m bench.synthetic --size 100k --out DIR` (or `--actions 10000 --people 2000`) writes
DIR/plan.csv and DIR/people.csv (what `actionbot import` and `actionbot people import` read).
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

TIMESCALES = ("Sep 16", "Jun – Sep 16", "Oct 16", "By end Dec16", "Jan 17", "Mar 17", "From Aug 16", "Ongoing",
              "Apr 17", "By Apr 17", "Jul 17", "Annually", "Oct -Dec 16", "Nov 16")
PARTNERS = ("", "", "Health", "Police", "Education", "BSCB", "Health, Police", "YOS")
WORDS = ("review", "embed", "audit", "recruit", "train", "report", "improve", "monitor", "agree", "publish",
         "case", "practice", "supervision", "plans", "quality", "board", "partners", "children", "families")


def role_names(people: int) -> list[str]:
    """One role per five people (so every role has holders and some have several)."""
    return [f"R{i:05d}" for i in range(max(1, people // 5))]


def write_plan(path: Path, actions: int, roles: list[str], seed: int = 1) -> None:
    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["action_id", "priority", "finding_id", "title", "timescale", "lead", "partners", "completed"])
        per_priority = -(-actions // 10)
        # ids have up to three digits a part: findings of 10 actions, of 100 past 9,990 a priority
        per_finding = 10 if per_priority <= 9_990 else 100
        n = 0
        for p in range(1, 11):
            for k in range(per_priority):
                if n == actions:
                    return
                finding = k // per_finding + 1
                ref = f"{p}.{finding}.{k % per_finding + 1}"
                title = " ".join(rnd.choice(WORDS) for _ in range(12)).capitalize() + "."
                w.writerow([ref, p, f"{p}.{finding}", title, rnd.choice(TIMESCALES), rnd.choice(roles),
                            rnd.choice(PARTNERS), "yes" if rnd.random() < 0.05 else "no"])
                n += 1


def write_people(path: Path, people: int, roles: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["key", "name", "email", "roles", "manager", "sit_admin"])
        w.writerow(["sit", "Synthetic SIT", "sit@example.invalid", "SIT", "", "yes"])
        for i in range(people - 1):
            key = f"p{i:05d}"
            manager = "" if i < 10 else f"p{i // 10:05d}"  # a tree: ten reports each
            w.writerow([key, f"Person {i}", f"{key}@example.invalid", roles[i % len(roles)], manager, "no"])


SIZES = {"10k": (10_000, 2_000), "100k": (100_000, 20_000)}  # actions, people: the two sizes


def generate(out: Path, actions: int, people: int) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    roles = role_names(people)
    plan, directory = out / "plan.csv", out / "people.csv"
    write_plan(plan, actions, roles)
    write_people(directory, people, roles)
    return plan, directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), help="one of the issue's sizes (sets both counts)")
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    actions, people = SIZES[args.size] if args.size else (args.actions, args.people)
    plan, directory = generate(args.out, actions, people)
    print(f"wrote {plan} ({actions} actions) and {directory} ({people} people)")


if __name__ == "__main__":
    main()
