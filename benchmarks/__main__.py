"""Run the benchmarks and write docs/benchmarks.md.

    python -m benchmarks                 # default sizes (about 15 minutes)
    python -m benchmarks --quick         # small sizes, a smoke run
    python -m benchmarks --only search   # one section

Every figure is measured in the same run as its baseline (tantivy called
directly, a bulk load into pyoxigraph, pyoxigraph and rdflib directly), so
the ratios hold on whatever machine runs them.
"""
from __future__ import annotations

import argparse
import importlib
import platform
import time
from pathlib import Path

OUT = Path(__file__).parents[1] / "docs" / "benchmarks.md"

#: section -> (module, default sizes, quick sizes)
SECTIONS = {
    "ingest": ("benchmarks.ingest", [1000, 10000], [200]),
    "search": ("benchmarks.search", [10000, 100000], [1000]),
    "entity_page": ("benchmarks.entity_page", [1250], [100]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    args = parser.parse_args()
    parts = [f"# Benchmarks\n\nMeasured {time.strftime('%Y-%m-%d')} on {platform.node()} "
             f"({platform.processor() or platform.machine()}, Python "
             f"{platform.python_version()}), by `python -m benchmarks"
             f"{' --quick' if args.quick else ''}`.\n"]
    for name in args.only or SECTIONS:
        module, sizes, quick = SECTIONS[name]
        began = time.perf_counter()
        text = importlib.import_module(module).run(quick if args.quick else sizes)
        parts.append(f"## {name}\n\n{importlib.import_module(module).__doc__.strip()}\n\n"
                     f"{text}\n\n(section took {time.perf_counter() - began:.0f} s)\n")
        print(parts[-1], flush=True)
    OUT.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
