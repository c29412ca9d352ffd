"""Run the benchmarks and write docs/benchmarks.md.

    python -m benchmarks                 # default sizes (about 15 minutes)
    python -m benchmarks --quick         # small sizes, a smoke run
    python -m benchmarks --only search   # one section (the others are kept)

Every figure is measured in the same run as its baseline (tantivy called
directly, a bulk load into pyoxigraph, pyoxigraph and rdflib directly), so
the ratios hold on whatever machine runs them.
"""
from __future__ import annotations

import argparse
import importlib
import platform
import re
import time
from pathlib import Path

OUT = Path(__file__).parents[1] / "docs" / "benchmarks.md"

#: section -> (module, default sizes, quick sizes)
SECTIONS = {
    "ingest": ("benchmarks.ingest", [1000, 10000], [200]),
    "search": ("benchmarks.search", [10000, 100000], [1000]),
    "entity_page": ("benchmarks.entity_page", [820, 1250], [100]),
    "sparql": ("benchmarks.sparql_endpoint", [1150], [100]),
    "export": ("benchmarks.export", [1180, 2000], [200]),  # ~1.0M, 1.7M triples
    "load": ("benchmarks.load", [16], [4]),  # users, one minute each
}


def _sections(text: str) -> dict[str, str]:
    """The `## name` sections of an earlier docs/benchmarks.md."""
    found = {}
    for match in re.finditer(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, re.S | re.M):
        found[match.group(1)] = match.group(0).rstrip() + "\n"
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        help="comma-separated sizes instead of the section's defaults")
    args = parser.parse_args()
    for name in args.only or SECTIONS:
        module, sizes, quick = SECTIONS[name]
        sizes = args.sizes or (quick if args.quick else sizes)
        began = time.perf_counter()
        loaded = importlib.import_module(module)
        # A module whose run() is something else (the locustfile) names its
        # section entry point `section`.
        text = getattr(loaded, "section", loaded.run)(sizes)
        section = (
            f"## {name}\n\n{importlib.import_module(module).__doc__.strip()}\n\n{text}\n\n"
            f"Measured {time.strftime('%Y-%m-%d')} on {platform.node()} "
            f"({platform.machine()}, {platform.python_version()}) with `python -m benchmarks "
            f"--only {name} --sizes {','.join(map(str, sizes))}`; took "
            f"{time.perf_counter() - began:.0f} s.\n")
        print(section, flush=True)
        # Written after each section, so a long run keeps what it measured;
        # read again first, so runs of other sections in parallel are kept.
        sections = _sections(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
        sections[name] = section
        parts = ["# Benchmarks\n\nEach section is measured with its baseline in the same "
                 "run; `python -m benchmarks --only NAME` re-measures one section and keeps "
                 "the others.\n"]
        parts += [sections[key] for key in SECTIONS if key in sections]
        OUT.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
