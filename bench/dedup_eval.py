"""Score the batch matcher against the evaluation set's true matters.

    python -m bench.dedup_eval [--petitions tests/data/dedup_eval.jsonl]
                               [--truth tests/data/dedup_eval_truth.jsonl]

Prints pairwise precision and recall (over pairs of petitions put in one matter) and
B-cubed precision and recall (per petition: how much of its predicted matter is its true
matter, and the reverse), then the verdicts and the worst errors for a person to read.
Targets: pairwise precision and recall >= 0.95.

The petitions take the path of ``xinfang dedup-batch``, which is the service's: intake's
validation and registration first (its case ids, its petitioner refs with the demo key, its
classification into fields, which the matcher compares), then the matcher over the
registered cases, as the service sees them.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Final

from services.cli.offline import batch_verdicts, final_matters, registered_cases
from services.common.keys import DEMO_HMAC_KEY

DATA: Final = Path(__file__).resolve().parent.parent / "tests" / "data"


def _pairs(clusters: dict[str, set[str]]) -> int:
    return sum(len(members) * (len(members) - 1) // 2 for members in clusters.values())


def scores(predicted: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    """Pairwise and B-cubed precision, recall and F1 of a clustering against the truth."""
    by_predicted: dict[str, set[str]] = defaultdict(set)
    by_truth: dict[str, set[str]] = defaultdict(set)
    for item, cluster in predicted.items():
        by_predicted[cluster].add(item)
        by_truth[truth[item]].add(item)
    both: dict[tuple[str, str], int] = Counter((predicted[i], truth[i]) for i in predicted)
    together = sum(n * (n - 1) // 2 for n in both.values())
    predicted_pairs, true_pairs = _pairs(by_predicted), _pairs(by_truth)
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    b3_precision = sum(
        both[(predicted[i], truth[i])] / len(by_predicted[predicted[i]]) for i in predicted
    ) / len(predicted)
    b3_recall = sum(
        both[(predicted[i], truth[i])] / len(by_truth[truth[i]]) for i in predicted
    ) / len(predicted)
    return {
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "pairwise_f1": 2 * precision * recall / (precision + recall or 1.0),
        "bcubed_precision": b3_precision,
        "bcubed_recall": b3_recall,
        "bcubed_f1": 2 * b3_precision * b3_recall / (b3_precision + b3_recall or 1.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Score dedup against the evaluation set.")
    parser.add_argument("--petitions", type=Path, default=DATA / "dedup_eval.jsonl")
    parser.add_argument("--truth", type=Path, default=DATA / "dedup_eval_truth.jsonl")
    parser.add_argument("--show-errors", type=int, default=10)
    args = parser.parse_args()
    truth = {
        row["submission_id"]: row["matter"]
        for row in map(json.loads, args.truth.read_text(encoding="utf-8").splitlines())
    }
    texts = {
        row["submission_id"]: row["title"] + " | " + row["content"]
        for row in map(json.loads, args.petitions.read_text(encoding="utf-8").splitlines())
    }
    cases, bad = registered_cases(args.petitions.read_bytes().splitlines(), DEMO_HMAC_KEY.encode())
    for line in bad:
        print(f"line {line.line} rejected by intake: {line.reason}: {line.detail}")
    results = list(batch_verdicts(cases))
    predicted = final_matters(results)
    figures = scores(predicted, truth)
    print(
        f"petitions: {len(results)}  true matters: {len(set(truth.values()))}  "
        f"predicted matters: {len(set(predicted.values()))}"
    )
    for name, value in figures.items():
        print(f"{name:20s} {value:.4f}")
    print("verdicts:", dict(Counter(f"{r['verdict']}/{r['reason']}" for r in results)))
    first_of_truth: dict[str, str] = {}
    by_case = {r["case_id"]: r["submission_id"] for r in results}
    missed, wrong = [], []
    for r in results:
        sid, label = r["submission_id"], truth[r["submission_id"]]
        if r["matched_case_id"] and truth[by_case[r["matched_case_id"]]] != label:
            wrong.append((r["score"], sid, by_case[r["matched_case_id"]]))
        elif not r["matched_case_id"] and label in first_of_truth:
            missed.append((r["score"], sid, first_of_truth[label]))
        first_of_truth.setdefault(label, sid)
    print(f"wrong links: {len(wrong)}  missed links: {len(missed)}")
    for kind, rows in (("WRONG", wrong), ("MISSED", missed)):
        for score, sid, other in sorted(rows, reverse=kind == "WRONG")[: args.show_errors]:
            print(
                f"{kind} {score:.3f} {sid}: {texts[sid][:90]}\n      {other}: {texts[other][:90]}"
            )


if __name__ == "__main__":
    main()
