"""Score dedup on real petitions: the mailbox messages against matters labelled by hand.

    python -m bench.dedup_mailbox_eval [--split dev|heldout|all] [--show-errors 10]

Every one of the 2,781 messages of ``../shared/data/mailbox_replies.jsonl`` goes, as the
channel would submit it (``bench.mailbox``), through the path of ``xinfang dedup-batch``:
intake's validation and registration, then the service's matcher in order of receipt. The
figures count only the labelled messages of the chosen part (``tests/data/
dedup_mailbox_labels.csv``, whose header says how the labels were made): the development
part is for tuning, the held-out third is not. Printed: pairwise and B-cubed precision and
recall, how many pairs of the letters of every petitioner of five letters or more about
different matters were merged (the target is none), and the wrong and missed links:
their titles only for the development part, the held-out letters are never shown.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter, defaultdict
from pathlib import Path
from typing import Final

from bench.dedup_eval import scores
from bench.mailbox import petitions, read_messages, submission_id
from services.cli.offline import batch_verdicts, final_matters, registered_cases
from services.common.keys import DEMO_HMAC_KEY

LABELS: Final = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "dedup_mailbox_labels.csv"
)
PROLIFIC: Final = 5


def read_labels(path: Path = LABELS) -> dict[str, tuple[str, str]]:
    """submission id -> (matter, split) of every labelled message."""
    with path.open(encoding="utf-8") as lines:
        rows = csv.DictReader(line for line in lines if not line.startswith("#"))
        return {submission_id(row["message_id"]): (row["matter"], row["split"]) for row in rows}


def predicted_matters() -> tuple[dict[str, str], dict[str, dict[str, object]]]:
    """submission id -> predicted matter for every message, and the verdicts by case id."""
    lines = [p.model_dump_json(exclude_none=True).encode() for p in petitions()]
    cases, bad = registered_cases(lines, DEMO_HMAC_KEY.encode())
    if bad:
        raise SystemExit(f"intake refused {len(bad)} messages, e.g. {bad[0]}")
    in_order = list(batch_verdicts(cases))
    verdicts = {str(v["case_id"]): v for v in in_order}
    return final_matters(in_order), verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description="Score dedup on the labelled mailbox messages.")
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument(
        "--show-errors", type=int, default=10, help="wrong and missed pairs shown (dev only)"
    )
    args = parser.parse_args()
    labels = read_labels()
    messages = {submission_id(m["message_id"]): m for m in read_messages()}
    predicted_all, verdicts = predicted_matters()
    chosen = {s for s, (_, part) in labels.items() if args.split in ("all", part)}
    truth = {s: labels[s][0] for s in chosen}
    predicted = {s: predicted_all[s] for s in chosen}
    figures = scores(predicted, truth)
    print(
        f"split: {args.split}  labelled petitions: {len(chosen)}  true matters: "
        f"{len(set(truth.values()))}  predicted matters: {len(set(predicted.values()))}"
    )
    for name, value in figures.items():
        print(f"{name:20s} {value:.4f}")
    kinds = Counter(
        f"{v['verdict']}/{v['reason']}" for v in verdicts.values() if v["submission_id"] in chosen
    )
    print("verdicts:", dict(kinds))
    wrong: list[tuple[str, str]] = []
    missed: list[tuple[str, str]] = []
    members: dict[str, list[str]] = defaultdict(list)
    for s in sorted(chosen):
        members[predicted[s]].append(s)
    by_truth: dict[str, list[str]] = defaultdict(list)
    for s in sorted(chosen):
        by_truth[truth[s]].append(s)
    for group in members.values():
        for i, a in enumerate(group):
            wrong.extend((a, b) for b in group[i + 1 :] if truth[a] != truth[b])
    for group in by_truth.values():
        for i, a in enumerate(group):
            missed.extend((a, b) for b in group[i + 1 :] if predicted[a] != predicted[b])
    print(f"wrong pairs: {len(wrong)}  missed pairs: {len(missed)}")
    user = {s: str(m["user"]) for s, m in messages.items()}
    letters = Counter(user.values())
    merged = len([1 for a, b in wrong if user[a] == user[b] and letters[user[a]] >= PROLIFIC])
    prolific = {user[s] for s in chosen if letters[user[s]] >= PROLIFIC}
    print(f"petitioners of {PROLIFIC}+ letters: {len(prolific)}; "
          f"pairs of their different matters merged: {merged}")  # fmt: skip
    # The held-out letters are never shown: whoever reads them tunes on them.
    shown = args.show_errors if args.split == "dev" else 0
    for kind, pairs in (("WRONG", wrong), ("MISSED", missed)):
        for a, b in pairs[:shown]:
            first, second = messages[a]["title"][:60], messages[b]["title"][:60]
            print(f"{kind} {a}: {first}\n      {b}: {second}")


if __name__ == "__main__":
    main()
