"""Benchmark the dedup matcher: lookups a second, latency and memory with N cases indexed.

    python -m bench.dedup_bench [--n 1000000] [--regions 50] [--lookups 20000]
                                [--state memory|rocksdb]

1. Generates N synthetic petitions (the evaluation set's templates, random places and
   facts) spread over ``--regions`` counties, registers each through intake's validation
   and registration (``parse``, ``register``: the service's case ids, petitioner refs
   and fields; ``CaseFacts.from_registered``, as the service reads ``cases.registered``)
   and indexes them into the in-memory state (features + record, as the first petition
   of a matter would be).
2. Measures the resident memory this added (RSS delta, so numpy arrays count) per
   million cases, and the time to rebuild the index from the case records (what a
   worker does when it starts or takes over a partition).
3. Runs ``--lookups`` full ``Matcher.match`` calls (decide and record) in this one
   process, half of them reworded repeats of indexed matters, half new matters, and
   prints lookups a second on one core (from the wall-clock time inside ``match``, and
   from the CPU time, which other jobs on a shared machine do not inflate), p50/p99/max
   latency and the load average before and after.

Targets: >= 2,000 lookups/s per core, p99 <= 10 ms, <= 2 GB per million cases.

``--state rocksdb`` runs the same on ``bench.dedup_rocks.RocksMatchState``: both maps in
RocksDB with JSON keys and JSON or raw values, as the service's Faust tables store them,
the index in memory as in the service, and prints the table reads and writes per lookup
(each write is also a changelog record in the service). Its memory figure is the index
and RocksDB's caches, not the state's size.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.dedup_eval_words import ESTATE_HEADS, ESTATE_TAILS, PROBLEMS
from bench.dedup_rocks import RocksMatchState
from bench.make_dedup_eval import Generator, Matter
from schemas.cases import Verdict
from services.common import regions as region_table
from services.common.keys import DEMO_HMAC_KEY
from services.common.submitted import parse
from services.dedup.areas import match_area
from services.dedup.config import DedupConfig
from services.dedup.decision import DedupDecision
from services.dedup.facts import CaseFacts
from services.dedup.faust_state import settle_heap
from services.dedup.features import extract_features
from services.dedup.index_builder import IndexBuilder
from services.dedup.matcher import Matcher
from services.dedup.recording import record
from services.dedup.records import CaseColumns, MatchReason, MatterStatus
from services.dedup.state import InMemoryMatchState, MatchState
from services.intake.register import register

START = datetime(2023, 1, 1, tzinfo=UTC)
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Resident set size of this process."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE


def synthetic_matter(gen: Generator, region: str, n: int) -> Matter:
    """A matter with a random place (two estate names joined: 900 places per kind)."""
    rng = gen.rng
    problem = rng.choice(list(PROBLEMS))
    name = rng.choice(ESTATE_HEADS) + rng.choice(ESTATE_HEADS)
    place = name + rng.choice(ESTATE_TAILS)
    if PROBLEMS[problem]["place"] in ("road", "company", "factory", "school"):
        place = name + "路"
    slots = {
        "b": str(rng.randint(1, 30)),
        "n": str(rng.randint(3, 60)),
        "m": str(rng.randint(2, 9)),
        "amount": str(rng.randint(2, 90)),
        "year": str(rng.randint(2012, 2022)),
    }
    return Matter(f"S{n}", region, problem, place, slots, english=False)


def registered(
    submission_id: str, when: datetime, region: str, petitioner: str, title: str, content: str
) -> CaseFacts:
    """A petition as the service's matcher sees it: submitted, validated and registered
    by intake, read from ``cases.registered``."""
    petition = {
        "submission_id": submission_id,
        "channel": "online",
        "received_at": when.isoformat(),
        "petitioner": {"name": petitioner},
        "region_code": region,
        "title": title,
        "content": content,
    }
    parsed = parse(json.dumps(petition, ensure_ascii=False).encode())
    case = register(parsed, hmac_key=DEMO_HMAC_KEY.encode(), now=when).case
    return CaseFacts.from_registered(case)


def first_decision(case: CaseFacts) -> DedupDecision:
    """The decision a first petition gets: bulk loading skips the lookup."""
    return DedupDecision(
        case_id=case.case_id,
        verdict=Verdict.NEW,
        reason=MatchReason.FIRST_OF_MATTER,
        matter_id=f"MT-{case.case_id}",
        score=0.0,
        matched_case_id=None,
        first_case_id=case.case_id,
        open_case_id=case.case_id,
        repeat_count=0,
        matter_status=MatterStatus.HANDLING,
        accept_anew=True,
        matter_petitions=1,
        matter_petitioners=1,
        collective=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the dedup matcher.")
    parser.add_argument("--n", type=int, default=1_000_000, help="cases indexed first")
    parser.add_argument(
        "--regions", type=int, default=50, help="counties, each of another city (partitions)"
    )
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--state", choices=("memory", "rocksdb"), default="memory")
    args = parser.parse_args()
    config = DedupConfig()
    if args.state == "memory":
        run(args, config, InMemoryMatchState(config))
        return
    with tempfile.TemporaryDirectory(prefix="dedup-bench-") as directory:
        state = RocksMatchState(Path(directory), config)
        try:
            run(args, config, state)
        finally:
            state.close()


def run(args: argparse.Namespace, config: DedupConfig, state: MatchState) -> None:
    """Index ``args.n`` cases into ``state``, then time ``args.lookups`` lookups."""
    gen = Generator(args.seed)
    rng = gen.rng
    # One county of each of `args.regions` cities: dedup partitions by city (its matching
    # area), so each region is a partition of its own, as issue 4's figures were measured.
    first_of_city: dict[str, str] = {}
    for region in region_table.default_table():
        if region_table.is_county(region.code):
            first_of_city.setdefault(match_area(region.code), region.code)
    regions = list(first_of_city.values())[: args.regions]
    span = timedelta(days=config.horizon_days - 30).total_seconds()
    kept: list[tuple[Matter, str, list[str], str]] = []
    registration = 0.0
    # Intake's first registration loads its tables and classifier: not the state's memory.
    registered("bench-warm-up", START, regions[0], "居民", "测试", "测试内容")
    gc.collect()
    rss_before = rss_bytes()
    load_started = time.perf_counter()
    for n in range(args.n):
        matter = synthetic_matter(gen, rng.choice(regions), n)
        title, sentences = gen.compose(matter, personal=rng.random() < 0.5)
        person = f"居民{n:08x}{rng.getrandbits(32):08x}"
        started = time.perf_counter()
        case = registered(
            f"bench-b{n}",
            START + timedelta(seconds=span * n / args.n),
            matter.region,
            person,
            title,
            gen.punctuate(sentences, False, False),
        )
        registration += time.perf_counter() - started
        record(state, case, extract_features(case, config), first_decision(case), config)
        if rng.random() < 2 * args.lookups / args.n:
            kept.append((matter, title, sentences, person))
        if n and n % 100_000 == 0:
            print(f"  indexed {n:,} ({time.perf_counter() - load_started:.0f} s)", flush=True)
    load_seconds = time.perf_counter() - load_started
    gc.collect()
    rss_added = rss_bytes() - rss_before
    print(
        f"indexed {args.n:,} cases in {args.regions} regions in {load_seconds:.0f} s "
        f"({registration:.0f} s of it intake's registration)"
    )
    print(
        f"memory: {rss_added / 2**20:,.0f} MiB RSS added = "
        f"{rss_added / args.n * 1e6 / 2**30:.2f} GiB per million cases "
        f"(index {state.index.entries():,} entries)"
    )
    if isinstance(state, InMemoryMatchState):
        rebuild_started = time.perf_counter()
        builder = IndexBuilder(config)
        batch: dict[str, bytes] = {}
        for case_id, value in state.cases.items():
            batch[case_id] = value
            if len(batch) == 20_000:
                builder.add(CaseColumns.decode(batch, config.sketch_size))
                batch = {}
        builder.add(CaseColumns.decode(batch, config.sketch_size))
        rebuilt = len(builder.build())
        print(
            f"index rebuilt from the {rebuilt:,} case records in "
            f"{time.perf_counter() - rebuild_started:.1f} s"
        )
        gc.collect()
    # As the service does once its indexes are built: the cases indexed so far are out of
    # the collector's full collections.
    settle_heap()
    if isinstance(state, RocksMatchState):
        state.counts.gets = state.counts.sets = 0

    matcher = Matcher(state, config)
    now = START + timedelta(seconds=span + 3600)
    latencies = np.empty(args.lookups)
    cpu = np.empty(args.lookups)
    verdicts: dict[str, int] = {}
    load_before = os.getloadavg()
    started = time.perf_counter()
    for i in range(args.lookups):
        if i % 2 == 0 and kept:
            matter, title, sentences, person = kept[rng.randrange(len(kept))]
            title, content, _ = gen.reword(matter, title, sentences)
        else:
            matter = synthetic_matter(gen, rng.choice(regions), args.n + i)
            title, sentences = gen.compose(matter, personal=True)
            content, person = gen.punctuate(sentences, False, False), f"新居民{i}"
        case = registered(
            f"bench-l{i}", now + timedelta(seconds=i), matter.region, person, title, content
        )
        c0, t0 = time.process_time(), time.perf_counter()
        decision = matcher.match(case)
        latencies[i] = time.perf_counter() - t0
        cpu[i] = time.process_time() - c0
        verdicts[decision.verdict.value] = verdicts.get(decision.verdict.value, 0) + 1
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()
    ms = latencies * 1000
    print(
        f"lookups: {args.lookups:,} in {elapsed:.1f} s on one core = "
        f"{args.lookups / latencies.sum():,.0f} lookups/s in match() "
        f"({args.lookups / elapsed:,.0f}/s including text generation); "
        f"{args.lookups / cpu.sum():,.0f} lookups per CPU-second"
    )
    print(
        f"latency per lookup: p50 {np.percentile(ms, 50):.2f} ms, "
        f"p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.1f} ms"
    )
    print(
        f"load average (1 min) {load_before[0]:.2f} before the lookups, "
        f"{load_after[0]:.2f} after, on {os.cpu_count()} cores"
    )
    print(f"verdicts: {verdicts}")
    if isinstance(state, RocksMatchState):
        print(
            f"table reads per lookup: {state.counts.gets / args.lookups:.1f}, "
            f"writes (changelog records) per lookup: {state.counts.sets / args.lookups:.1f}"
        )


if __name__ == "__main__":
    main()
