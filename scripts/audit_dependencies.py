"""Known vulnerabilities of the installed dependencies, from PyPI's own
advisory data.

    .venv/bin/python scripts/audit_dependencies.py            # this environment
    .venv/bin/python scripts/audit_dependencies.py --strict   # exit 2 if any is unaudited

pip-audit asks PyPI for each installed *version*
(`/pypi/<name>/<version>/json`) or asks OSV; where neither answers (a
mirror that serves only `/pypi/<name>/json`, no route to api.osv.dev) it
skips every package and still prints "No known vulnerabilities found".
This check uses the project document, `/pypi/<name>/json`, whose
`vulnerabilities` list is PyPI's advisories (from the Python Packaging
Advisory Database and OSV) for the project's *latest* release.  So a
package installed at its latest release is audited; one installed at an
older release is reported as unaudited, never as clean; and when PyPI
answers for the version as well, that answer is used.

Exit status: 1 when a known vulnerability affects an installed version, 2
with --strict when a package could not be audited, else 0.
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from importlib import metadata

INDEX = "https://pypi.org/pypi"


def _document(*path: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"{INDEX}/{'/'.join(path)}/json", timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return None
        raise


def audit(name: str, version: str) -> tuple[str, list[str]]:
    """(outcome, advisories) for one installed distribution: outcome is
    `clean`, `vulnerable`, `unaudited: <why>`."""
    document = _document(name, version)  # pip-audit's question, where answered
    if document is None:
        document = _document(name)
        if document is None:
            return "unaudited: not on PyPI", []
        latest = document["info"]["version"]
        if latest != version:
            return f"unaudited: {version} is not the latest release ({latest})", []
    found = [f"{v.get('id')} (fixed in {', '.join(v.get('fixed_in') or ['?'])})"
             for v in document.get("vulnerabilities", []) if not v.get("withdrawn")]
    return ("vulnerable" if found else "clean"), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true",
                        help="exit 2 when a package could not be audited")
    args = parser.parse_args()
    installed = sorted({(d.metadata["Name"], d.version) for d in metadata.distributions()
                        if d.metadata["Name"]}, key=lambda d: d[0].lower())
    counts = {"clean": 0, "vulnerable": 0, "unaudited": 0}
    for name, version in installed:
        if name.lower() in ("health-kg", "pip", "setuptools", "wheel"):
            continue  # the project itself, and the installer's own tools
        try:
            outcome, found = audit(name, version)
        except (OSError, ValueError) as err:
            outcome, found = f"unaudited: {err}", []
        counts[outcome.split(":")[0]] += 1
        print(f"{name} {version}: {outcome}" + "".join(f"\n    {f}" for f in found))
    print(f"{counts['clean']} clean, {counts['vulnerable']} with known vulnerabilities, "
          f"{counts['unaudited']} unaudited")
    if counts["vulnerable"]:
        return 1
    return 2 if args.strict and counts["unaudited"] else 0


if __name__ == "__main__":
    sys.exit(main())
