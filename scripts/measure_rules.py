#!/usr/bin/env python3
"""Write `ontology/rule_precision.tsv`: how often each extraction rule is
right on the dev corpus (issue 19, item 5: belief reads it).

Every article of `../shared/eval/dev/*.txt` is ingested into a memory
store, and each claim the graph then shows (`kg claims --explain`) is
compared with the article's gold claims (`ARTICLE.gold.jsonl`,
`../shared/eval/SCHEMA.md`) with the same matching as the evaluation's
`score.py`: a claim is the key (subject, predicate, object, negated?);
entities match when a label, identifier (CURIE) or synonym of the shown
entity equals a name of the gold entity, case, punctuation and a plural
"s" ignored, the label first.  A shown claim is *correct* when its key is
one of the gold keys.  Unlike the score, which counts distinct keys,
every claim shown counts once: belief weighs claims, so precision is per
claim.

    .venv/bin/python scripts/measure_rules.py            # rewrite the file
    .venv/bin/python scripts/measure_rules.py --check    # exit 1 if stale

The core (`measure`) takes the articles and returns counts; only `main`
writes.  `tests/kg/test_belief.py` regenerates the counts when
`../shared` is present and compares them with the committed file.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev"
OUTPUT = ROOT / "ontology" / "rule_precision.tsv"


def _norm(text: object) -> str:
    """Lower case, punctuation as spaces, a plural "s" dropped from words
    longer than three letters (not "ss"): the evaluation's name key."""
    words = re.sub(r"[^a-z0-9]+", " ", str(text).lower()).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                    for w in words)


def _gold_names(gold: list[dict]) -> dict[str, str]:
    """Every name of a gold entity (label, synonyms, ids) -> its label key."""
    names: dict[str, str] = {}
    for claim in gold:
        for side in ("subject", "object"):
            label = _norm(claim[side])
            for name in [claim[side], *claim.get(f"{side}_synonyms", ()),
                         *claim.get(f"{side}_ids", ())]:
                names.setdefault(_norm(name), label)
    return names


def _entity_key(entity: dict, names: dict[str, str]) -> str:
    """The gold entity a shown entity names: by label, then its ids, then
    its synonyms; else a key no gold claim has."""
    label = _norm(entity.get("label", ""))
    if label in names:
        return names[label]
    for field in ("ids", "synonyms"):
        for value in sorted(entity.get(field) or ()):
            if _norm(value) in names:
                return names[_norm(value)]
    return "?" + label


def _negated(claim: dict) -> bool:
    return str(claim.get("modality", "")).lower() == "negated"


def judge(shown: list[dict], gold: list[dict]) -> list[tuple[str, bool]]:
    """(rule, correct) for each shown claim (`kg claims --explain` JSON)
    of one article against its gold claims.

    >>> gold = [{"subject": "ketamine", "predicate": "treats", "object": "depression",
    ...          "object_synonyms": ["major depressive disorder"], "modality": "asserted"}]
    >>> shown = [{"subject": {"label": "Ketamine"}, "predicate": "treats", "rule": "r1",
    ...           "object": {"label": "Major depressive disorders"}, "modality": "hedged"},
    ...          {"subject": {"label": "ketamine"}, "predicate": "treats", "rule": "r2",
    ...           "object": {"label": "depression"}, "modality": "negated"}]
    >>> judge(shown, gold)
    [('r1', True), ('r2', False)]
    """
    names = _gold_names(gold)
    keys = {(_norm(g["subject"]), g["predicate"], _norm(g["object"]), _negated(g))
            for g in gold}
    return [(str(c.get("rule", "")),
             (_entity_key(c["subject"], names), str(c["predicate"]),
              _entity_key(c["object"], names), _negated(c)) in keys) for c in shown]


def measure(articles: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """Rule -> (claims shown, claims correct) over `articles` (each beside
    its `.gold.jsonl`), ingested into one memory store (each article's
    claims are its own graph's, so this equals one store per article)."""
    from kg import KnowledgeGraph, Settings, read

    shown: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    with KnowledgeGraph.open(Settings(store="memory")) as graph:
        for path in articles:
            gold_path = path.with_name(path.stem + ".gold.jsonl")
            gold = [json.loads(line) for line in gold_path.read_text().splitlines()
                    if line.strip()]
            result = graph.ingest_file(path)
            if not result.ok:
                raise SystemExit(result.error)
            claims = [c.as_json(explain=True) for c in read.claims(graph, result.article)]
            for rule, right in judge(claims, gold):
                shown[rule] += 1
                correct[rule] += right
    return {rule: (shown[rule], correct[rule]) for rule in sorted(shown)}


def table(counts: dict[str, tuple[int, int]], articles: int, when: str) -> str:
    """The TSV text: a comment header saying how and when it was made,
    then one row per rule."""
    from ingest import EXTRACTOR_VERSION

    total = sum(n for n, _ in counts.values())
    right = sum(k for _, k in counts.values())
    lines = [
        "# Extraction rule precision on the dev corpus (../shared/eval/dev), per claim shown.",
        f"# Made by scripts/measure_rules.py on {when}, extractor {EXTRACTOR_VERSION}, "
        f"{articles} articles:",
        f"# {total} claims shown, {right} matching gold (score.py's key: subject, predicate, "
        "object, negated?).",
        "# Read by kg/belief.py (Beta-smoothed there); regenerate after changing a rule.",
        "rule\tshown\tcorrect",
    ]
    lines += [f"{rule}\t{n}\t{k}" for rule, (n, k) in counts.items()]
    return "\n".join(lines) + "\n"


def _rows(text: str) -> dict[str, tuple[int, int]]:
    rows = [line.split("\t") for line in text.splitlines()
            if line and not line.startswith("#")][1:]
    return {rule: (int(n), int(k)) for rule, n, k in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the committed file differs from a new measurement")
    parser.add_argument("--dev", type=Path, default=DEV, help="the dev corpus folder")
    args = parser.parse_args(argv)
    articles = sorted(args.dev.glob("*.txt"))
    if not articles:
        print(f"no articles in {args.dev}", file=sys.stderr)
        return 2
    counts = measure(articles)
    if args.check:
        same = OUTPUT.is_file() and _rows(OUTPUT.read_text()) == counts
        print("up to date" if same else f"{OUTPUT} is stale: run scripts/measure_rules.py")
        return 0 if same else 1
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    OUTPUT.write_text(table(counts, len(articles), when))
    print(f"wrote {OUTPUT}: {len(counts)} rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
