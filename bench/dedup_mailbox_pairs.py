"""Dedup's recall on real petitions it was never tuned on: pairs judged by hand.

    python -m bench.dedup_mailbox_pairs [--show 40]

``tests/data/dedup_mailbox_pairs.csv`` (whose header says how it was made) holds pairs of
mailbox letters that are in no part of ``dedup_mailbox_labels.csv`` ("fresh" letters),
proposed by loose matchers that do not depend on dedup's and judged by hand: one matter
or not. Every one of the 2,781 letters goes through the matcher as in
``bench.dedup_mailbox_eval`` (its ``predicted_matters``: intake, then the service's
matcher in order of receipt). Printed: the recall on the "yes" pairs, the "no" pairs the
matcher links (wrong links), and every missed "yes" pair with its class, read from the
matcher's own scoring of the later letter against the earlier one, when it was matched:

* (a) never compared: the earlier letter was no candidate of the later one (no key in
  common: not the same petitioner, no place key, no LSH band; or beyond the horizon, or
  in a region that cannot be the same place);
* (b) compared, below the threshold: its text score, under every bar that could link it;
* (c) compared, kept apart by a rule: a place or object conflict (``different_place``),
  titles naming different kinds of problem, a town's plan and one of its projects, a
  field mismatch, older than ``place_only_after_days``;
* (d) linkable, yet the later letter joined another matter and the two were not merged.

Only the fresh letters of the pairs are shown (ids and titles); the held-out letters of
the labels are in no pair (``tests/unit/dedup/test_mailbox_pairs.py``).
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, cast

from bench.dedup_mailbox_eval import predicted_matters
from bench.mailbox import read_messages, submission_id
from services.dedup import aboutness, deciding, text, towns
from services.dedup import sketch as sk
from services.dedup.config import DedupConfig
from services.dedup.facts import DAY, UNCLASSIFIED, CaseFacts
from services.dedup.features import CaseFeatures
from services.dedup.place_agreement import place_of_either_title
from services.dedup.records import case_details
from services.dedup.scoring import Scored
from services.dedup.state import MatchState

PAIRS: Final = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedup_mailbox_pairs.csv"
COLUMNS: Final = ("message_id_a", "message_id_b", "same_matter", "proposed_by", "note")


@dataclass(frozen=True)
class Pair:
    """One judged pair of mailbox letters (message ids, as in the data)."""

    a: str
    b: str
    same: bool
    proposed_by: str
    note: str


def read_pairs(path: Path = PAIRS) -> list[Pair]:
    """The judged pairs, in the file's order."""
    with path.open(encoding="utf-8") as lines:
        rows = csv.DictReader(line for line in lines if not line.startswith("#"))
        return [
            Pair(r["message_id_a"], r["message_id_b"], r["same_matter"] == "yes",
                 r["proposed_by"], r["note"])
            for r in rows
        ]  # fmt: skip


@dataclass(frozen=True)
class Seen:
    """What the matcher saw of one earlier case when it matched a later one."""

    #: The earlier case shared a key of the index with the later one.
    candidate: bool
    #: Its text score against the later case (None when not a candidate).
    score: float | None
    #: Older than the horizon when the later case came.
    beyond_horizon: bool
    #: Judged (scored at least ``related_threshold`` and of a region that may be the same).
    scored: Scored | None
    #: Facts of the two titles read with the matcher's own helpers (for class c).
    rules: tuple[str, ...]
    #: The places each letter is indexed by (later, earlier), and their regions.
    places: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    regions: tuple[str, str] = ("", "")
    #: What else the matcher reads of the two titles: whether the place either title
    #: names is in the other letter, and the kinds of problem each title names.
    evidence: str = ""


Watch = dict[str, dict[str, Seen]]
#: The name ``deciding`` calls the matcher's scoring by, wrapped while watching.
_SCORER: Final = "score_candidates"


@contextmanager
def watching(later: dict[str, set[str]], seen: Watch) -> Iterator[None]:
    """While inside, every scoring of a case in ``later`` (case id -> the earlier case
    ids of its pairs) also records what the matcher saw of those earlier cases.

    The service's decision is unchanged: the wrapper calls the matcher's own
    ``score_candidates`` and returns its answer; the look is a second, exhaustive call.
    """
    original = cast(Callable[..., tuple[list[Scored], float]], vars(deciding)[_SCORER])

    def wrapped(
        state: MatchState,
        case: CaseFacts,
        features: CaseFeatures,
        config: DedupConfig,
        now: int,
        *,
        exhaustive: bool = False,
    ) -> tuple[list[Scored], float]:
        answer = original(state, case, features, config, now, exhaustive=exhaustive)
        earlier = later.get(case.case_id)
        if earlier and case.case_id not in seen:
            seen[case.case_id] = _look(state, case, features, config, now, earlier, original)
        return answer

    setattr(deciding, _SCORER, wrapped)
    try:
        yield
    finally:
        setattr(deciding, _SCORER, original)


def _look(
    state: MatchState,
    case: CaseFacts,
    features: CaseFeatures,
    config: DedupConfig,
    now: int,
    earlier: set[str],
    score_candidates: Callable[..., tuple[list[Scored], float]],
) -> dict[str, Seen]:
    # The index's candidates and their text scores, as ``score_candidates`` computes them,
    # then its exhaustive judgement of those scoring at least ``related_threshold``.
    index = state.index
    ours = features.sketch
    sequences = (
        index.candidates(
            case.region_code,
            ours.fingerprint,
            case.petitioner_refs,
            sorted(features.places),
            features.bands,
            config,
        )
        if ours.shingle_count
        else []
    )
    found: dict[str, tuple[int, float, int]] = {}
    if sequences:
        sketches = index.sketches(sequences)
        scores = sk.scores(
            ours.signature,
            ours.shingle_count,
            sketches.signatures,
            sketches.shingle_counts,
            config.containment_min_shingles,
        )
        for i, sequence in enumerate(sequences):
            case_id = index.case_id(sequence)
            if case_id in earlier:
                found[case_id] = (sequence, scores[i], sketches.received_at[i])
    judged = {
        s.case_id: s
        for s in score_candidates(state, case, features, config, now, exhaustive=True)[0]
    }
    out: dict[str, Seen] = {}
    ours_places = tuple(sorted(features.places))
    for case_id in earlier:
        if case_id not in found:
            raw = state.cases.get(case_id)
            theirs = case_details(raw) if raw is not None else None
            out[case_id] = Seen(
                False,
                None,
                False,
                None,
                (),
                (ours_places, tuple(sorted(theirs.places)) if theirs else ()),
                (case.region_code, theirs.region_code if theirs else ""),
            )
            continue
        sequence, score, received = found[case_id]
        rules: list[str] = []
        evidence = ""
        raw = state.cases.get(case_id)
        if raw is not None:
            details = index.details(sequence, raw)
            same = not set(case.petitioner_refs).isdisjoint(details.petitioner_refs)
            titled = place_of_either_title(
                features, details.places, details.topic, same, text.fold(case.content)
            )
            kinds = (sorted(text.claims(features.topic)), sorted(text.claims(details.topic)))
            evidence = (
                f"title place in the other: {'yes' if titled else 'no'}; "
                f"kinds later {'/'.join(kinds[0]) or '-'}, earlier {'/'.join(kinds[1]) or '-'}"
            )
            if received < now - config.place_only_after_days * DAY:
                rules.append("older than place_only_after_days")
            if towns.plan_and_project(
                aboutness.without_kept(features.topic), aboutness.without_kept(details.topic)
            ):
                rules.append("town plan and project")
            if text.claims_differ(text.claims(features.topic), text.claims(details.topic)):
                rules.append("titles name different kinds")
            if UNCLASSIFIED not in (case.field, details.field) and case.field != details.field:
                rules.append(f"field mismatch ({details.field}, {case.field})")
        out[case_id] = Seen(
            True,
            score,
            received < now - config.horizon_days * DAY,
            judged.get(case_id),
            tuple(rules),
            evidence=evidence,
        )
    return out


def miss_class(seen: Seen | None, config: DedupConfig, days_apart: float) -> str:
    """The class of a missed pair (see the module's doc), with its evidence."""
    if days_apart > config.horizon_days:
        return f"a: beyond the horizon ({days_apart:.0f} > {config.horizon_days} days apart)"
    if seen is None or not seen.candidate:
        places = ""
        if seen is not None:
            later, earlier = ("/".join(p) or "-" for p in seen.places)
            places = f"; places later {later}, earlier {earlier}; regions {'/'.join(seen.regions)}"
        return f"a: never a candidate (no petitioner, place or LSH key in common{places})"
    if seen.beyond_horizon:
        return f"a: beyond the horizon ({config.horizon_days} days)"
    more = f" ({seen.evidence})" if seen.evidence else ""
    if seen.scored is None:
        if seen.score is not None and seen.score >= config.related_threshold:
            return "a: candidate of a region that cannot be the same place"
        return f"b: score {seen.score:.3f} < related_threshold {config.related_threshold}{more}"
    scored = seen.scored
    if scored.linkable:
        return f"d: linkable (score {scored.score:.3f}) but joined another matter"
    if scored.place_conflict:
        return f"c: place or object conflict (different_place), score {scored.score:.3f}{more}"
    if seen.rules:
        return f"c: {'; '.join(seen.rules)}, score {scored.score:.3f}{more}"
    return (
        f"b: score {scored.score:.3f} below its bar (joint {config.joint_threshold}, same "
        f"place {config.joint_threshold_same_place}, repeat {config.repeat_threshold}){more}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Dedup's recall on hand-judged fresh pairs.")
    parser.add_argument("--show", type=int, default=40, help="missed and wrong pairs shown")
    args = parser.parse_args()
    pairs = read_pairs()
    messages = {str(m["message_id"]): m for m in read_messages()}
    received = {i: str(m["received_at"]) for i, m in messages.items()}

    def ordered(pair: Pair) -> tuple[str, str]:
        # (earlier, later) by the order the matcher sees them.
        a, b = sorted((pair.a, pair.b), key=lambda i: (_when(received[i]), submission_id(i)))
        return a, b

    # The case ids are intake's: known after the run. The watch is by case id, so the
    # run goes twice: once to learn them (cheap), once watching the later letters.
    predicted, verdicts = predicted_matters()
    case_of = {str(v["submission_id"]): case_id for case_id, v in verdicts.items()}
    later: dict[str, set[str]] = {}
    for pair in pairs:
        if pair.same:
            first, second = ordered(pair)
            later.setdefault(case_of[submission_id(second)], set()).add(
                case_of[submission_id(first)]
            )
    seen: Watch = {}
    with watching(later, seen):
        predicted_again, _ = predicted_matters()
    if predicted_again != predicted:
        raise SystemExit("the watched run decided otherwise: the look changed the state")
    config = _config()

    def linked(pair: Pair) -> bool:
        return predicted[submission_id(pair.a)] == predicted[submission_id(pair.b)]

    yes = [p for p in pairs if p.same]
    no = [p for p in pairs if not p.same]
    found = [p for p in yes if linked(p)]
    wrong = [p for p in no if linked(p)]
    missed = [p for p in yes if not linked(p)]
    recall = len(found) / len(yes) if yes else 0.0
    print(f"judged pairs: {len(pairs)}  yes: {len(yes)}  no: {len(no)}  letters: "
          f"{len({i for p in pairs for i in (p.a, p.b)})}")  # fmt: skip
    print(f"recall on yes pairs: {recall:.3f} ({len(found)}/{len(yes)})")
    print(f"wrongly linked no pairs: {len(wrong)}/{len(no)}")
    by_proposer = Counter(m for p in yes for m in p.proposed_by.split("+"))
    found_by = Counter(m for p in found for m in p.proposed_by.split("+"))
    print("yes pairs by proposer (found/all): " + ", ".join(
        f"{m} {found_by[m]}/{n}" for m, n in by_proposer.most_common()))  # fmt: skip
    classes: list[tuple[str, Pair, tuple[str, str]]] = []
    for pair in missed:
        first, second = ordered(pair)
        look = seen.get(case_of[submission_id(second)], {})
        apart = (_when(received[second]) - _when(received[first])).total_seconds() / DAY
        why = miss_class(look.get(case_of[submission_id(first)]), config, apart)
        classes.append((why, pair, (first, second)))
    print("missed by class:", dict(Counter(c.split(":")[0] for c, _, _ in classes)))
    shown = args.show

    def title(i: str) -> str:
        return str(messages[i]["title"])[:50]

    for kind, pair_list in (("WRONG", [(f"linked: {p.note}", p, (p.a, p.b)) for p in wrong]),
                            ("MISSED", classes)):  # fmt: skip
        for why, pair, (first, second) in pair_list[:shown]:
            print(f"{kind} {first} -> {second} [{pair.proposed_by}] {why}\n"
                  f"      {first}: {title(first)}\n      {second}: {title(second)}\n"
                  f"      matter: {pair.note}")  # fmt: skip


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _config() -> DedupConfig:
    from services.dedup.settings import load_config

    return load_config()


if __name__ == "__main__":
    main()
