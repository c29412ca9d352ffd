"""The curated vocabulary as an immutable lookup: names -> Entity.

`ontology/vocabulary.ttl` lists entities with an `rdfs:label`, `skos:altLabel`
synonyms, `hkg:abbreviation` acronyms and `skos:exactMatch` IRIs.  This module
is the only one in `ingest` that reads RDF (with pyoxigraph's parser);
everything downstream sees
plain `Entity` values and a token trie.

Names are compared after `normalize`: case, plural and inflection endings,
hyphens and British/American spelling are folded, so "Anaesthetics",
"anesthetic" and "an-aesthetic" meet.  Acronyms ("SAD", "IV") are the
exception: they match only as written, so "sad" and "iv" in prose do not.
"""
from __future__ import annotations

import functools
import re
from itertools import accumulate
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

from .model import Entity, EntityType

__all__ = ["DEFAULT_BASE_IRI", "Vocabulary", "Words", "is_acronym", "is_drug_class",
           "load_vocabulary", "normalize", "slug", "tokenize"]

#: The base IRI relative vocabulary IRIs resolve against unless told otherwise.
DEFAULT_BASE_IRI = "http://localhost:8000/"

# Captured, so `split` hands back the words between the gaps.
_WORD = re.compile(r"([^\W_]+)")
_WORD_NO_UNDERSCORE = re.compile(r"(\w+)")
_SLUG = re.compile(r"[^a-z0-9]+")
# British -> American spellings, applied to lower-cased words.  Both the
# vocabulary and the text go through the same folding, so an over-eager rule
# can only merge two words, never lose a match; the rules are kept to
# letter patterns that medical words use.
_SPELLING = tuple((re.compile(p), r) for p, r in (
    (r"ae(?=[cdmst])", "e"),              # anaesthesia, haem-, paed-, faeces
    (r"^oe(?=[dsn])", "e"),               # oedema, oesophagus, oestrogen
    (r"oe(?=a)", "e"),                    # diarrhoea, dyspnoea, apnoea
    (r"^foet|^coel", lambda m: m.group(0).replace("o", "")),
    (r"(?<=[ilmvdb])our(?=$|s$|ed$|ing$|al$|ally$)", "or"),   # behaviour, tumour
    (r"(?<=\w{3})is(?=e$|ed$|es$|ing$|ation$|ations$)", "iz"),  # -ise, -isation
    (r"(?<=\w)ys(?=e$|ed$|es$|ing$)", "yz"),                    # analyse
    (r"(?<=\w{2})tre$", "ter"),           # centre, fibre
    (r"(?<=\w)ll(?=ing$|ed$)", "l"),      # signalling, labelled
    (r"sulph", "sulf"),
    (r"^ageing$", "aging"),
))


@functools.lru_cache(maxsize=65536)
def normalize(word: str) -> str:
    """The comparison form of one word: lower case, American spelling, and
    plural, "-ing" and "-ly" endings removed.

    >>> [normalize(w) for w in ("Anaesthesia", "anesthesia", "Hallucinations")]
    ['anesthesia', 'anesthesia', 'hallucination']
    >>> normalize("signalling") == normalize("signaling") == normalize("signals")
    True
    """
    w = word.lower()
    for pattern, repl in _SPELLING:
        w = pattern.sub(repl, w)
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("ches", "shes", "sses", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    # "-ed" stays: "increase heart rate" (a verb and its object) must not
    # read as the name "increased heart rate".
    if w.endswith("ing") and len(w) > 6:
        w = w[:-3]
    elif w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


# The last word of a drug class's name ("benzodiazepine", "beta blocker",
# "anti-anxiety medication"): the class of an article's drug, never a
# particular drug.
_CLASS_HEADS = frozenset(normalize(w) for w in """antidepressant antidepressants inhibitor
    benzodiazepine drug opioid opiate antagonist agonist medication medicine sedative pill
    antipsychotic neuroleptic stabilizer stabiliser anticonvulsant antiepileptic gabapentinoid
    blocker anaesthetic anesthetic painkiller psychedelic hallucinogen stimulant antiemetic
    barbiturate hypnotic anxiolytic analgesic antihistamine antibiotic statin steroid
    tranquilizer tranquilliser agent depressant modulator z-drug""".split())


def is_drug_class(entity: Entity) -> bool:
    """Whether a Drug entity names a class of drugs rather than one drug.

    >>> is_drug_class(Entity("bb", "beta blocker", EntityType.DRUG))
    True
    >>> is_drug_class(Entity("d", "diazepam", EntityType.DRUG))
    False
    """
    if entity.type is not EntityType.DRUG or not entity.mapped:
        return False
    found = _CLASS_OF.get(entity.label)
    if found is None:
        last = entity.label.replace("-", " ").split()[-1]
        found = normalize(last) in _CLASS_HEADS or entity.label.lower() == "z-drug"
        _CLASS_OF[entity.label] = found
    return found


_CLASS_OF: dict[str, bool] = {}  # label -> is a class; labels are few and fixed


@dataclass(frozen=True)
class Words:
    """The words of a text: word `i` is `text[starts[i]:ends[i]]`, compared
    as `norms[i]`.  Parallel lists rather than an object per word: an article
    has thousands of words and building them must stay cheap.
    """

    starts: list[int]
    ends: list[int]
    norms: list[str]

    def __len__(self) -> int:
        return len(self.starts)


def tokenize(text: str, start: int = 0, end: int | None = None) -> Words:
    """The words of `text[start:end]` with offsets into `text`.

    Hyphens and apostrophes separate words, so "post-traumatic" is two.

    >>> tokenize("Post-traumatic stress").norms
    ['post', 'traumatic', 'stress']
    """
    end = len(text) if end is None else end
    # `\w+` runs about twice as fast as `[^\W_]+` and finds the same words
    # where the text has no underscore.  `split` gives gaps and words in
    # turn, and their running lengths the offsets: no match object per word
    # (they cost time to make and, being many at once, garbage collections).
    pattern = _WORD if text.find("_", start, end) >= 0 else _WORD_NO_UNDERSCORE
    pieces = pattern.split(text[start:end])
    offsets = list(accumulate(map(len, pieces), initial=start))
    return Words(offsets[1:-1:2], offsets[2::2], list(map(normalize, pieces[1::2])))


def is_acronym(name: str) -> bool:
    """True for a case-sensitive acronym: one word of capitals (and digits),
    optionally with a plural 's'.

    >>> [is_acronym(n) for n in ("SAD", "SSRIs", "IV", "Sad", "NMDA receptor", "A")]
    [True, True, True, False, False, False]
    """
    core = name[:-1] if name.endswith("s") else name
    return (2 <= len(core) <= 8 and core.isalnum() and core.upper() == core
            and sum(ch.isupper() for ch in core) >= 2)


def slug(label: str) -> str:
    """A URL-safe key for a label.

    >>> slug("Post-Traumatic Stress Disorder (PTSD)")
    'post-traumatic-stress-disorder-ptsd'
    """
    return _SLUG.sub("-", label.lower()).strip("-")[:80] or "entity"


_END = ""  # trie key holding the entity for the path so far
_MAX_FOUND = 4096  # names whose `find` answer is kept (the rules ask for few, often)


class Vocabulary:
    """An immutable name -> Entity lookup built once.

    Args:
        entities: the entities; later duplicates of a key are ignored, and
            where two entities share a name the label beats a synonym.
        extra: entities of a lower rank (a generated lexicon): their names
            are taken only where no entity of `entities` has that name.

    >>> v = Vocabulary([Entity("nausea", "nausea", EntityType.ADVERSE_EFFECT,
    ...                        synonyms=("feeling sick",))])
    >>> v.find("Feeling Sick").key
    'nausea'
    """

    def __init__(self, entities: Iterable[Entity], extra: Iterable[Entity] = (),
                 learned: Iterable[tuple[str, Entity]] = ()):
        self._learned = tuple(learned)
        by_key: dict[str, Entity] = {}
        for entity in entities:
            by_key.setdefault(entity.key, entity)
        for _, entity in self._learned:  # a minted entity a curator grounded to
            by_key.setdefault(entity.key, entity)
        first = list(by_key.values())
        lower = [e for e in extra if by_key.setdefault(e.key, e) is e]
        self._by_key = MappingProxyType(dict(sorted(by_key.items())))
        self._ranks = (tuple(first), tuple(lower))
        trie: dict = {}
        acronyms: dict[str, Entity] = {}
        # Learned names first (a curator's word wins), then labels, so a
        # label wins over another entity's synonym.
        names = [(form, by_key[entity.key]) for form, entity in self._learned]
        for rank in (first, lower):
            names += [(e.label, e) for e in rank]
            names += [(n, e) for e in rank for n in (*e.synonyms, *e.abbreviations)]
        for name, entity in names:
            if is_acronym(name.strip()):
                core = name.strip()
                acronyms.setdefault(core, entity)
                acronyms.setdefault(core + "s", entity)
                continue
            node = trie
            for norm in tokenize(name).norms:
                node = node.setdefault(norm, {})
            if node is not trie:
                node.setdefault(_END, entity)
        self._trie = trie
        self._first = MappingProxyType(trie)
        self._acronyms = MappingProxyType(acronyms)
        self._found: dict[str, Entity | None] = {}  # `find`'s answers so far

    def learning(self, learned: Iterable[tuple[str, Entity]]) -> "Vocabulary":
        """This vocabulary with more names: each (name, entity) pair
        grounds the name to that entity (this vocabulary's entity of the
        same key, else that one, added), before any label or synonym: a
        curator's regrounding (issue 19).  The earlier of two pairs naming
        one name wins.  Without pairs, this vocabulary itself.

        >>> nausea = Entity("nausea", "nausea", EntityType.ADVERSE_EFFECT)
        >>> v = Vocabulary([nausea])
        >>> learned = v.learning([("queasiness", nausea)])
        >>> v.find("queasiness") is None, learned.find("Queasiness").key
        (True, 'nausea')
        """
        pairs = tuple(learned)
        if not pairs:
            return self
        return Vocabulary(self._ranks[0], self._ranks[1], learned=self._learned + pairs)

    @property
    def entities(self) -> tuple[Entity, ...]:
        """Every entity, by key."""
        return tuple(self._by_key.values())

    def get(self, key: str) -> Entity | None:
        """The entity with this key, if any."""
        return self._by_key.get(key)

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def acronym(self, word: str) -> Entity | None:
        """The entity an acronym names, matched exactly as written."""
        return self._acronyms.get(word)

    def match(self, norms: list[str], i: int, stop: int | None = None
              ) -> tuple[Entity, int] | None:
        """The longest name starting at word `i`.

        Args:
            norms: the comparison forms of a text's words (`Words.norms`).
            i: index of the first word.
            stop: index no match may reach (defaults to the end).

        Returns:
            (entity, index one past the last word matched), or None.
        """
        stop = len(norms) if stop is None else stop
        node: dict | None
        node, best, j = self._trie, None, i
        while j < stop:
            node = node.get(norms[j])
            if node is None:
                break
            j += 1
            entity = node.get(_END)
            if entity is not None:
                best = (entity, j)
        return best

    @property
    def first_words(self) -> Mapping[str, object]:
        """The comparison forms names begin with (`norm in first_words` is a
        cheap test before `match`)."""
        return self._first

    def lookup(self, norms: Sequence[str]) -> Entity | None:
        """The entity named by exactly these normalised words, or None."""
        node = self._trie
        for norm in norms:
            child = node.get(norm)
            if child is None:
                return None
            node = child
        return node.get(_END)

    def find(self, name: str) -> Entity | None:
        """The entity whose label, synonym or acronym is exactly `name`
        (after normalisation), or None."""
        found = self._found.get(name, self)
        if found is self:  # the vocabulary never changes: answers are kept
            found = self._find(name)
            if len(self._found) >= _MAX_FOUND:
                self._found.clear()
            self._found[name] = found
        return found  # type: ignore[return-value]

    def _find(self, name: str) -> Entity | None:
        name = name.strip()
        if is_acronym(name):
            return self._acronyms.get(name)
        norms = tokenize(name).norms
        found = self.match(norms, 0) if norms else None
        return found[0] if found and found[1] == len(norms) else None


def _curie(iri: str) -> str | None:
    for pattern, prefix in ((r"^http://purl\.obolibrary\.org/obo/([A-Za-z]+)_(.+)$", None),
                            (r"^http://id\.nlm\.nih\.gov/mesh/(.+)$", "MESH"),
                            (r"^http://purl\.uniprot\.org/uniprot/(.+)$", "UniProt")):
        match = re.match(pattern, iri)
        if match:
            return (f"{match.group(1)}:{match.group(2)}" if prefix is None
                    else f"{prefix}:{match.group(1)}")
    return None


_HKG = "https://w3id.org/health-kg/ontology#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
_EXACT_MATCH = "http://www.w3.org/2004/02/skos/core#exactMatch"
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _truthy(value) -> bool:
    """What a literal object of hkg:mapped says, read as Python reads the
    value (`false`, `0` and "" are false); an IRI counts as true."""
    import pyoxigraph as ox

    if not isinstance(value, ox.Literal):
        return True
    datatype = value.datatype.value
    if datatype == _XSD + "boolean":
        return value.value.strip() in ("true", "1")
    if datatype in (_XSD + "integer", _XSD + "decimal", _XSD + "double", _XSD + "float"):
        try:
            return float(value.value) != 0
        except ValueError:
            return False
    return bool(value.value)


def _read_entities(path: Path, base_iri: str) -> list[Entity]:
    # pyoxigraph's Turtle parser, not rdflib's: 0.03 s for the packaged
    # vocabulary instead of 0.6 s, paid by every process that extracts.
    import pyoxigraph as ox

    types = {_HKG + t.value: t for t in EntityType}
    # subject IRI -> predicate IRI -> its objects (a dict as an ordered set:
    # a triple stated twice counts once, as in a graph)
    facts: dict[str, dict[str, dict]] = {}
    for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base_iri):
        if isinstance(triple.subject, ox.NamedNode):
            facts.setdefault(triple.subject.value, {}).setdefault(
                triple.predicate.value, {})[triple.object] = None

    def texts(about: dict[str, dict], predicate: str) -> tuple[str, ...]:
        return tuple(sorted({o.value.strip() for o in about.get(predicate, ())
                             if isinstance(o, ox.Literal) and o.value.strip()}))

    entities = []
    for iri in sorted(facts):
        about = facts[iri]
        found = [types[t.value] for t in about.get(_RDF_TYPE, ())
                 if isinstance(t, ox.NamedNode) and t.value in types]
        if not found or "entity/" not in iri:
            continue
        etype = min(found, key=list(EntityType).index)
        labels = texts(about, _LABEL)
        if not labels:
            continue
        label = labels[0]
        ids = tuple(sorted(filter(None, (_curie(o.value) for o in about.get(_EXACT_MATCH, ())))))
        mapped = list(about.get(_HKG + "mapped", ()))
        entities.append(Entity(
            key=iri.rsplit("entity/", 1)[1], label=label, type=etype,
            synonyms=tuple(s for s in texts(about, _ALT_LABEL) if s != label),
            abbreviations=texts(about, _HKG + "abbreviation"), ids=ids,
            mapped=not mapped or _truthy(mapped[0])))
    return entities


@functools.lru_cache(maxsize=8)
def _load(path: Path, base_iri: str, stamp: float, lexicon: bool) -> Vocabulary:
    curated = _read_entities(path, base_iri)
    if not lexicon:
        return Vocabulary(curated)
    from .druglex import lexicon_drugs

    return Vocabulary(curated, extra=lexicon_drugs(taken=frozenset(e.key for e in curated)))


def load_vocabulary(path: str | Path | None = None,
                    base_iri: str = DEFAULT_BASE_IRI, lexicon: bool | None = None
                    ) -> Vocabulary:
    """Read a vocabulary Turtle file into a `Vocabulary`.

    Loaded once per file version: calling again with the same file returns
    the same object until the file changes.

    Args:
        path: the Turtle file; defaults to the packaged
            `ontology/vocabulary.ttl`.
        base_iri: what relative IRIs resolve against; the entity key is the
            part of the IRI after "entity/".

        lexicon: add the packaged drug lexicon's medicines, which the
            curated file lacks, as unmapped Drug entities (`druglex`); by
            default only with the packaged vocabulary.

    Returns:
        The vocabulary.

    Raises:
        FileNotFoundError: the file does not exist.
    """
    if lexicon is None:
        lexicon = path is None
    if path is None:
        import ontology

        path = ontology.VOCABULARY
    path = Path(path)
    return _load(path.resolve(), base_iri, path.stat().st_mtime, lexicon)
