"""Generate the dedup evaluation set: petitions and their true matters (seeded, deterministic).

    python -m bench.make_dedup_eval [--seed 7] [--matters 640]

writes ``tests/data/dedup_eval.jsonl`` (``petitions.submitted`` JSON, one a line) and
``tests/data/dedup_eval_truth.jsonl`` (``{"submission_id", "matter"}``: the true matter).

What is in it, and why:

* matters about an estate, a road, an employer, a school or a factory in six counties,
  in Chinese and some in English, built from per-problem sentence templates with
  paraphrase variants;
* repeats by the same petitioner, each reworded by one to three of: traditional script,
  full-width characters, other punctuation, hotline operator boilerplate, reordered
  sentences, trimmed, extended, typos, paraphrase; with phone numbers written differently;
* joint matters: other residents or workers of the same place petitioning on the same
  problem in their own words (some with co-petitioners), a few of them collective;
* hard negatives: the same template about another place of the same county (sometimes by
  the same person), and the same place with a different problem.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from bench.dedup_eval_words import (
    BOILERPLATE_EN,
    BOILERPLATE_ZH,
    COMPANIES,
    EN_COMPANIES,
    EN_NAMES,
    EN_PROBLEMS,
    EN_ROADS,
    ESTATE_HEADS,
    ESTATE_TAILS,
    EXTRA_EN,
    EXTRA_ZH,
    GIVEN,
    PERSONAL_EN,
    PERSONAL_ZH,
    PROBLEMS,
    REGIONS,
    ROADS,
    SCHOOLS,
    SURNAMES,
    TYPOS,
)
from services.common.script import opencc_dictionaries, read_char_dictionary

OUT: Final = Path(__file__).resolve().parent.parent / "tests" / "data"
START: Final = datetime(2024, 1, 1, tzinfo=UTC)
CN_TZ: Final = "+08:00"


@dataclass
class Person:
    """A generated petitioner: name, phone, maybe an ID number, an e-mail address."""

    name: str
    phone: str
    id_number: str | None

    @property
    def email(self) -> str:
        """The person's e-mail address: derived, so that it draws nothing from the rng."""
        return f"u{self.phone}@mail.example.com"

    def as_json(self, rng: random.Random, *, email: bool = False) -> dict[str, Any]:
        """The petitioner object; ``email`` adds the address (e-mail petitions need it)."""
        phone = self.phone
        if rng.random() < 0.3:
            # Same number, other spelling: the stand-in ref must still agree.
            phone = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
        person: dict[str, Any] = {"name": self.name, "phone": phone}
        if self.id_number:
            person["id_number"] = self.id_number
        if email:
            person["email"] = self.email
        return person


@dataclass
class Matter:
    """A true matter: a problem at a place of a region, with its fixed facts."""

    label: str
    region: str
    problem: str
    place: str
    slots: dict[str, str]
    english: bool


class Generator:
    """Builds the evaluation set from one seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people = 0
        self.submissions = 0
        self.matters = 0
        path = opencc_dictionaries() / "STCharacters.txt"
        self.to_traditional = str.maketrans(read_char_dictionary(path))
        # One matter per problem, place and county: two generated matters on the same
        # road and problem would be one matter in life, and the truth would be wrong.
        self.used: set[tuple[str, str, str]] = set()

    def person(self, english: bool) -> Person:
        self.people += 1
        rng = self.rng
        name = (
            rng.choice(EN_NAMES)
            if english
            else rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        )
        phone = "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}"
        id_number = f"610302{rng.randrange(10**12):012d}" if rng.random() < 0.3 else None
        return Person(name=name, phone=phone, id_number=id_number)

    def place(self, kind: str, region: str) -> str:
        rng = self.rng
        match kind:
            case "estate":
                return rng.choice(ESTATE_HEADS) + rng.choice(ESTATE_TAILS)
            case "road":
                return rng.choice(ROADS)
            case "company":
                return rng.choice(COMPANIES)
            case "factory":
                return rng.choice(COMPANIES[2::2])
            case "school":
                return REGIONS[region][:2] + rng.choice(SCHOOLS)
            case "en_road":
                return rng.choice(EN_ROADS)
            case _:
                return rng.choice(EN_COMPANIES)

    def matter(self, region: str, problem: str, place: str | None = None) -> Matter:
        """A new matter; ``place`` is drawn when not given, or when taken for the problem."""
        rng = self.rng
        english = problem.startswith("en_")
        spec = (EN_PROBLEMS if english else PROBLEMS)[problem]
        for _ in range(200):
            if place is not None and (region, problem, place) not in self.used:
                break
            place = self.place(spec["place"], region)
        else:
            raise LookupError(f"no free place for {problem} in {region}")
        assert place is not None
        self.used.add((region, problem, place))
        self.matters += 1
        slots = {
            "b": str(rng.randint(1, 30)),
            "n": str(rng.randint(3, 60)),
            "m": str(rng.randint(2, 9)),
            "amount": str(rng.randint(2, 90)),
            "year": str(rng.randint(2012, 2022)),
        }
        return Matter(
            label=f"M{self.matters:04d}",
            region=region,
            problem=problem,
            place=place,
            slots=slots,
            english=english,
        )

    def compose(self, matter: Matter, personal: bool) -> tuple[str, list[str]]:
        """A title and sentences in freshly chosen words (a paraphrase of the matter)."""
        rng = self.rng
        spec = (EN_PROBLEMS if matter.english else PROBLEMS)[matter.problem]
        fill = {**matter.slots, "place": matter.place}
        title = rng.choice(spec["titles"]).format(**fill)
        sentences = [rng.choice(variants).format(**fill) for variants in spec["sentences"]]
        if personal:
            pool = PERSONAL_EN if matter.english else PERSONAL_ZH
            extra = {"u": str(rng.randint(1, 6)), "y": str(rng.randint(2, 20))}
            sentences.insert(
                rng.randrange(len(sentences)), rng.choice(pool).format(**fill, **extra)
            )
        return title, sentences

    def reword(self, matter: Matter, title: str, sentences: list[str]) -> tuple[str, str, bool]:
        """Title, content and whether it is a hotline call, reworded one to three ways."""
        rng = self.rng
        ways = rng.sample(
            [
                "trad",
                "width",
                "punct",
                "hotline",
                "reorder",
                "trim",
                "extend",
                "typo",
                "paraphrase",
            ],
            rng.randint(1, 3),
        )
        if matter.english:
            ways = [w for w in ways if w != "trad"] or ["reorder"]
        sentences = list(sentences)
        if "paraphrase" in ways:
            title, fresh = self.compose(matter, personal=False)
            sentences = [
                fresh[i] if rng.random() < 0.5 else s for i, s in enumerate(sentences[: len(fresh)])
            ]
        if "reorder" in ways:
            rng.shuffle(sentences)
        if "trim" in ways and len(sentences) > 3:
            for _ in range(rng.randint(1, 2)):
                sentences.pop(rng.randrange(1, len(sentences)))
        if "extend" in ways:
            pool = EXTRA_EN if matter.english else EXTRA_ZH
            sentences.extend(rng.sample(pool, rng.randint(1, 2)))
        if "typo" in ways:
            sentences = [self.typo(s, matter) if rng.random() < 0.5 else s for s in sentences]
        content = self.punctuate(sentences, matter.english, odd="punct" in ways)
        hotline = "hotline" in ways
        if hotline:
            content = rng.choice(BOILERPLATE_EN if matter.english else BOILERPLATE_ZH) + content
        if "trad" in ways:
            title, content = (
                title.translate(self.to_traditional),
                content.translate(self.to_traditional),
            )
        if "width" in ways:
            content = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in content)
        return title, content, hotline

    def typo(self, sentence: str, matter: Matter) -> str:
        rng = self.rng
        protected = set(range(len(sentence)))
        start = sentence.find(matter.place)
        if start >= 0:
            protected -= set(range(start, start + len(matter.place)))
        positions = sorted(protected)
        if not positions:
            return sentence
        chars = list(sentence)
        for _ in range(rng.randint(1, 2)):
            i = rng.choice(positions)
            if matter.english and i + 1 < len(chars) and chars[i].isalpha():
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
            elif chars[i] in TYPOS:
                chars[i] = TYPOS[chars[i]]
        return "".join(chars)

    def punctuate(self, sentences: list[str], english: bool, odd: bool) -> str:
        rng = self.rng
        if english:
            ends = [". ", "! ", "; "] if odd else [". "]
            return "".join(s + rng.choice(ends) for s in sentences).strip()
        if odd:
            return "".join(
                s + rng.choice(["，", "。", "！", ",", ". ", "；", "…"]) for s in sentences
            )
        out = []
        for i, s in enumerate(sentences):
            out.append(s + ("。" if i == len(sentences) - 1 or rng.random() < 0.4 else "，"))
        return "".join(out)

    def petition(
        self,
        matter: Matter,
        person: Person,
        at: datetime,
        title: str,
        content: str,
        hotline: bool,
        co_petitioners: list[Person] | None = None,
    ) -> dict[str, Any]:
        rng = self.rng
        self.submissions += 1
        channel = (
            "hotline"
            if hotline
            else rng.choice(["online", "online", "letter", "visit", "mailbox", "email"])
        )
        petition: dict[str, Any] = {
            "submission_id": f"eval-{self.submissions:05d}",
            "channel": channel,
            "received_at": (at + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S") + CN_TZ,
            # An e-mail petition carries the sender's address (intake refuses it otherwise).
            "petitioner": person.as_json(rng, email=channel == "email"),
            "region_code": matter.region,
            "title": title[:200],
            "content": content,
            "language": "en" if matter.english else "zh",
        }
        if hotline:
            petition["hotline_call"] = {
                "call_id": f"C-{self.submissions:06d}",
                "duration_seconds": rng.randint(60, 900),
                "operator_id": f"op-{rng.randint(1, 40)}",
            }
        if co_petitioners:
            petition["co_petitioners"] = [p.as_json(rng) for p in co_petitioners]
        return petition

    def first_and_repeats(
        self,
        matter: Matter,
        person: Person,
        at: datetime,
        repeats: int,
        co: list[Person] | None = None,
    ) -> list[dict[str, Any]]:
        """A petitioner's first petition on a matter and its reworded repeats."""
        rng = self.rng
        title, sentences = self.compose(matter, personal=rng.random() < 0.5)
        out = [
            self.petition(
                matter,
                person,
                at,
                title,
                self.punctuate(sentences, matter.english, False),
                False,
                co,
            )
        ]
        when = at
        for _ in range(repeats):
            when += timedelta(days=rng.randint(3, 200), minutes=rng.randint(0, 1440))
            t, c, hotline = self.reword(matter, title, sentences)
            out.append(self.petition(matter, person, when, t, c, hotline))
        return out


def generate(seed: int, matter_count: int) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Petitions (sorted by submission id) and their true matters."""
    gen = Generator(seed)
    rng = gen.rng
    petitions: list[dict[str, Any]] = []
    truth: list[dict[str, str]] = []

    def emit(matter: Matter, items: list[dict[str, Any]]) -> None:
        petitions.extend(items)
        truth.extend({"submission_id": p["submission_id"], "matter": matter.label} for p in items)

    def start() -> datetime:
        return START + timedelta(days=rng.uniform(0, 900))

    zh_problems = list(PROBLEMS)
    en_problems = list(EN_PROBLEMS)
    for _ in range(matter_count):
        region = rng.choice(list(REGIONS))
        english = rng.random() < 0.1
        problem = rng.choice(en_problems if english else zh_problems)
        try:
            matter = gen.matter(region, problem)
        except LookupError:
            continue
        owner = gen.person(english)
        at = start()
        repeats = min(int(rng.expovariate(0.8)), 6)
        emit(matter, gen.first_and_repeats(matter, owner, at, repeats))
        roll = rng.random()
        if roll < 0.25:
            # Joint: neighbours or co-workers on the same matter in their own words.
            for _ in range(rng.choice((1, 2, 3, 4, 5, 8, 12))):
                co = [gen.person(english) for _ in range(rng.choice((0, 0, 0, 1, 2)))]
                when = at + timedelta(days=rng.uniform(0, 90))
                emit(
                    matter,
                    gen.first_and_repeats(
                        matter, gen.person(english), when, rng.choice((0, 0, 1)), co
                    ),
                )
        elif roll < 0.45:
            # Hard negative: the same template about another place of the county.
            spec = (EN_PROBLEMS if english else PROBLEMS)[problem]
            other_place = matter.place
            while other_place == matter.place:
                other_place = gen.place(spec["place"], region)
            try:
                twin = gen.matter(region, problem, other_place)
            except LookupError:
                continue
            twin.slots = dict(matter.slots)
            same_person = rng.random() < 0.2
            who = owner if same_person else gen.person(english)
            emit(twin, gen.first_and_repeats(twin, who, start(), rng.choice((0, 1, 2))))
        elif roll < 0.65:
            # Hard negative: the same place with a different problem.
            spec = (EN_PROBLEMS if english else PROBLEMS)[problem]
            others = [
                p
                for p, s in (EN_PROBLEMS if english else PROBLEMS).items()
                if p != problem and s["place"] == spec["place"]
            ]
            if others:
                try:
                    sibling = gen.matter(region, rng.choice(others), matter.place)
                except LookupError:
                    continue
                who = owner if rng.random() < 0.3 else gen.person(english)
                emit(sibling, gen.first_and_repeats(sibling, who, start(), rng.choice((0, 1, 2))))
    return petitions, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--matters", type=int, default=640)
    parser.add_argument("--out", type=Path, default=OUT, help="directory to write to")
    args = parser.parse_args()
    petitions, truth = generate(args.seed, args.matters)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "dedup_eval.jsonl").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in petitions)
    with (args.out / "dedup_eval_truth.jsonl").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in truth)
    labels = {t["matter"] for t in truth}
    print(f"{len(petitions)} petitions, {len(labels)} matters -> {args.out}")


if __name__ == "__main__":
    main()
