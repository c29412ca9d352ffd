"""Reading the graph: claims, entities, articles and counts as plain values.

Every function runs SPARQL over the union graph through the store contract,
so it works on every backend.  Entities minted by several articles appear in
several graphs; queries use DISTINCT so the union's duplicates never show.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from ingest.model import EntityType, Modality

from .context import Context
from .errors import NotFound, quoted
from .terms import HKG, Sparql, iri, iri_to_curie, select_chunked, sparql_prefixes

if TYPE_CHECKING:
    from .store.base import Store

__all__ = ["ArticleSummary", "ClaimRecord", "EntityInfo", "Evidence", "Stats", "articles", "claims",
           "content_hash", "entities", "entity_description", "entity_info", "stats"]

_TYPES = {str(HKG[t.value]): t.value for t in EntityType}
_PREFIXES = sparql_prefixes()


@dataclass(frozen=True)
class Evidence:
    """One claim as a relation shows it: the sentence that states it, in
    which article, with which modality.  Subgraph edges, entity and
    relation views, the API and every export carry this one shape."""

    claim: str
    article: str
    title: str
    modality: str
    evidence: str
    start: int
    end: int
    #: The claim's review state (a `domain.REVIEW_STATES` name), None as
    #: extracted (issue 19: exports carry the curation state).
    review: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, str]) -> "Evidence":
        """From a query row binding ?c ?id ?title ?m ?ev ?start ?end."""
        return cls(row["c"], row["id"], row["title"], local_name(row["m"]), row["ev"],
                   int(row["start"]), int(row["end"]))

    def as_json(self) -> dict:
        """The evidence; `"review"` only when a reader knows it (a subgraph
        export reads every claim's state; other views leave it out)."""
        found = {"claim": self.claim, "article": self.article, "title": self.title,
                 "modality": self.modality, "evidence": self.evidence, "start": self.start,
                 "end": self.end}
        if self.review is not None:
            found["review"] = self.review
        return found


@dataclass(frozen=True)
class EntityInfo:
    """An entity as readers see it."""

    iri: str
    label: str
    type: str
    synonyms: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    mapped: bool = True

    def as_json(self) -> dict:
        return {"iri": self.iri, "label": self.label, "type": self.type,
                "synonyms": list(self.synonyms), "ids": list(self.ids)}


@dataclass(frozen=True)
class ClaimRecord:
    """One stored claim with its entities and provenance."""

    iri: str
    article: str
    subject: EntityInfo
    predicate: str
    object: EntityInfo
    modality: str
    evidence: str
    start: int
    end: int
    rule: str = ""
    cues: tuple[str, ...] = ()
    extractor_version: str = ""

    def as_json(self, explain: bool = False) -> dict:
        """The claims JSONL contract of the README (plus rule and cues when
        `explain`)."""
        data = {"article": self.article, "claim": self.iri,
                "subject": self.subject.as_json(), "predicate": self.predicate,
                "object": self.object.as_json(), "modality": self.modality,
                "evidence": self.evidence, "start": self.start, "end": self.end}
        if explain:
            data.update(rule=self.rule, cues=list(self.cues),
                        extractor_version=self.extractor_version)
        return data


@dataclass(frozen=True)
class ArticleSummary:
    id: str
    iri: str
    title: str
    source: str
    date: str
    modified: str
    claims: int


@dataclass(frozen=True)
class Stats:
    articles: int
    claims: int
    triples: int
    claims_by_modality: dict[str, int] = field(default_factory=dict)
    claims_by_predicate: dict[str, int] = field(default_factory=dict)
    entities_by_type: dict[str, int] = field(default_factory=dict)
    unmapped: int = 0
    vocabulary: int = 0


def local_name(iri: object) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def entity_info(graph: Context, entities: Iterable[str],
                names_only: bool = False) -> dict[str, EntityInfo]:
    """Label, type, synonyms, standard IDs and mapping state of entities
    (`names_only`: label and type, the rest left empty; a third of the
    rows, for sorting many entities of which few are shown)."""
    wanted = ("rdf:type, rdfs:label" if names_only else
              "rdf:type, rdfs:label, skos:altLabel, hkg:abbreviation, skos:exactMatch, hkg:mapped")
    names = sorted(set(map(str, entities)))

    def query(values: Sparql) -> str:
        # A FILTER, not a second VALUES: rdflib joins two VALUES blocks
        # before the pattern (15 s for 80 entities on the memory store,
        # 0.16 s this way); Oxigraph is faster this way too.
        return _PREFIXES + f"""
            SELECT DISTINCT ?e ?p ?v WHERE {{
              VALUES ?e {{ {values} }}
              ?e ?p ?v
              FILTER(?p IN ({wanted})) }}"""

    found: dict[str, dict] = {}
    for row in select_chunked(graph.store, names, query):
        info = found.setdefault(str(row["e"]), defaultdict(set))
        info[local_name(row["p"])].add(str(row["v"]))
    result = {}
    for name in names:
        info = found.get(name, {})
        labels = sorted(info.get("label", ())) or [local_name(name).replace("-", " ")]
        types = sorted(_TYPES[t] for t in info.get("type", ()) if t in _TYPES)
        synonyms = sorted((info.get("altLabel", set()) | info.get("abbreviation", set()))
                          - {labels[0]}, key=lambda s: (s.lower(), s))
        ids = sorted(filter(None, (iri_to_curie(v) for v in info.get("exactMatch", ()))))
        mapped = "false" not in info.get("mapped", {"true"})
        result[name] = EntityInfo(name, labels[0], types[0] if types else "Entity",
                                  tuple(synonyms), tuple(ids), mapped)
    return result


def entity_description(graph: Context, entity: str, type_: str) -> tuple[str, bool]:
    """A short description of an entity for its page, and whether it
    describes the entity's type rather than the entity: its own definition
    in the ontology graph (`skos:definition`, else `rdfs:comment`), else the
    comment of its class in `ontology/kg.ttl` ("A medicine or a class of
    medicines (ketamine, SSRIs).").  ("", False) when neither exists.

    Only what the packaged ontology and vocabulary say; nothing is fetched.
    """
    own = graph.store.select_values(_PREFIXES + f"""
        SELECT ?d ?rank WHERE {{
          {{ {iri(entity)} skos:definition ?d BIND(1 AS ?rank) }}
          UNION {{ {iri(entity)} rdfs:comment ?d BIND(2 AS ?rank) }}
        }} ORDER BY ?rank STR(?d) LIMIT 1""")
    if own:
        return str(own[0]["d"]), False
    if type_ not in _TYPES.values():
        return "", False
    found = graph.store.select_values(_PREFIXES + f"""
        SELECT ?d WHERE {{ {iri(HKG[type_])} rdfs:comment ?d }} ORDER BY STR(?d) LIMIT 1""")
    return (str(found[0]["d"]), True) if found else ("", False)


def _article_scope(graph: Context, article: str | None) -> Sparql:
    """The article graph a query reads: the variable ?a (every article) or
    one article's IRI written in place.  In place, not VALUES: Oxigraph
    scans every graph for `VALUES ?a {..} GRAPH ?a {..}` (0.2 s per call at
    100 articles, growing with the collection), and a constant graph name
    is a direct index lookup."""
    if article is None:
        return Sparql("?a")
    name = graph.minter.article(article)
    if not graph.store.has_graph(name):
        raise NotFound(f"no article {quoted(article)}")
    return iri(name)


def claims(graph: Context, article: str | None = None) -> list[ClaimRecord]:
    """Every claim (or one article's), ordered by article then offset.

    Raises:
        NotFound: `article` is given and not in the graph.
    """
    a = _article_scope(graph, article)
    rows = graph.store.select(_PREFIXES + f"""
        SELECT ?c ?id ?s ?p ?o ?m ?ev ?start ?end ?rule ?ver
               (GROUP_CONCAT(?cue; separator="\\u001f") AS ?cues)
        WHERE {{
          GRAPH {a} {{
            ?c a hkg:Claim ; hkg:subject ?s ; hkg:predicate ?p ; hkg:object ?o ;
               hkg:modality ?m ; hkg:evidence ?ev ; hkg:start ?start ; hkg:end ?end ;
               prov:wasDerivedFrom {a} .
            {a} dcterms:identifier ?id .
            OPTIONAL {{ ?c hkg:rule ?rule }} OPTIONAL {{ ?c hkg:extractorVersion ?ver }}
            OPTIONAL {{ ?c hkg:cue ?cue }}
          }} }}
        GROUP BY ?c ?id ?s ?p ?o ?m ?ev ?start ?end ?rule ?ver""")
    info = entity_info(graph, [r["s"] for r in rows] + [r["o"] for r in rows])
    records = [ClaimRecord(
        iri=str(r["c"]), article=str(r["id"]), subject=info[str(r["s"])],
        predicate=local_name(r["p"]), object=info[str(r["o"])], modality=local_name(r["m"]),
        evidence=str(r["ev"]), start=int(r["start"]), end=int(r["end"]),
        rule=str(r.get("rule", "")),
        cues=tuple(sorted(c for c in str(r.get("cues", "")).split("\x1f") if c)),
        extractor_version=str(r.get("ver", ""))) for r in rows]
    return sorted(records, key=lambda c: (c.article, c.start, c.end, c.predicate,
                                          c.subject.label, c.object.label, c.iri))


def claims_graph(graph: Context, article: str | None = None):
    """Claim nodes, their direct edges, their curation state (review state
    and open flags) and their entities' labels and types, as an rdflib
    Graph (for `kg claims --format ttl`).

    The label patterns sit inside each UNION branch, joined on ?s or ?o: a
    branch is evaluated on its own, so `{ BIND(?s AS ?e) }` binds ?e to
    nothing and `?e rdfs:label ?l` then matched every labelled node of the
    store, once per claim triple (the whole vocabulary in the output, and
    45 s for the seed article's 82 claims)."""
    from .terms import PREFIXES

    a = _article_scope(graph, article)
    # The curation state goes with the claims (issue 19: exports carry it).
    curated = iri(graph.minter.curation_graph)
    result = graph.store.construct(_PREFIXES + f"""
        CONSTRUCT {{ ?c ?cp ?cv . ?es ?ep ?eo . ?e rdfs:label ?l ; a ?t .
                    ?c hkg:reviewState ?state ; hkg:flagCount ?flags . }}
        WHERE {{
          GRAPH {a} {{ ?c a hkg:Claim ; prov:wasDerivedFrom {a} ; ?cp ?cv ;
                        hkg:subject ?s ; hkg:predicate ?p ; hkg:object ?o ; hkg:modality ?m . }}
          OPTIONAL {{ GRAPH {curated} {{ ?c hkg:reviewState ?state
                                         OPTIONAL {{ ?c hkg:flagCount ?flags }} }} }}
          OPTIONAL {{ GRAPH {a} {{ ?s ?p ?o }} FILTER(?m != hkg:negated)
                     BIND(?s AS ?es) BIND(?p AS ?ep) BIND(?o AS ?eo) }}
          {{ ?s rdfs:label ?l ; a ?t . BIND(?s AS ?e) }}
          UNION {{ ?o rdfs:label ?l ; a ?t . BIND(?o AS ?e) }} }}""")
    for prefix, ns in PREFIXES.items():
        result.bind(prefix, ns)
    return result


def articles(graph: Context) -> list[ArticleSummary]:
    """Every article, most recently ingested first."""
    rows = graph.store.select(_PREFIXES + """
        SELECT ?a ?id ?title ?source ?date ?modified (COUNT(DISTINCT ?c) AS ?n) WHERE {
          GRAPH ?a { ?a a hkg:Article ; dcterms:identifier ?id ; dcterms:title ?title .
                     OPTIONAL { ?a dcterms:source ?source } OPTIONAL { ?a dcterms:date ?date }
                     OPTIONAL { ?a dcterms:modified ?modified }
                     OPTIONAL { ?c prov:wasDerivedFrom ?a } } }
        GROUP BY ?a ?id ?title ?source ?date ?modified""")
    result = [ArticleSummary(str(r["id"]), str(r["a"]), str(r["title"]), str(r.get("source", "")),
                             str(r.get("date", "")), str(r.get("modified", "")), int(r["n"]))
              for r in rows]
    return sorted(result, key=lambda a: (a.modified, a.id), reverse=True)


def entities(graph: Context, unmapped: bool = False,
             type_: str | None = None) -> list[EntityInfo]:
    """Entities named by at least one article (or only the unmapped ones),
    sorted by type then label."""
    filters = "?e hkg:mapped false ." if unmapped else ""
    rows = graph.store.select(_PREFIXES + f"""
        SELECT DISTINCT ?e WHERE {{ GRAPH ?a {{ ?a hkg:mentions ?e }} {filters} }}""")
    info = entity_info(graph, [r["e"] for r in rows])
    found = [e for e in info.values() if type_ is None or e.type == type_]
    return sorted(found, key=lambda e: (e.type, e.label.lower()))


def content_hash(store: "Store", name: str) -> str | None:
    """The `hkg:contentHash` a graph states of itself (an article's, the
    ontology's), or None when it has none."""
    rows = store.select_values(
        f"SELECT ?h WHERE {{ GRAPH {iri(name)} {{ {iri(name)} {iri(HKG.contentHash)} ?h }} }}")
    return rows[0]["h"] if rows else None


def article_exists(graph: Context, article_id: str) -> bool:
    return graph.store.has_graph(graph.minter.article(article_id))


def stats(graph: Context) -> Stats:
    """Counts for the home page and `kg stats`."""
    store = graph.store
    by_modality = {str(m.value): 0 for m in Modality}
    for row in store.select(_PREFIXES + """
            SELECT ?m (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a hkg:Claim ; hkg:modality ?m }
            GROUP BY ?m"""):
        by_modality[local_name(row["m"])] = int(row["n"])
    by_predicate = {local_name(r["p"]): int(r["n"]) for r in store.select(_PREFIXES + """
            SELECT ?p (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a hkg:Claim ; hkg:predicate ?p }
            GROUP BY ?p""")}
    by_type = {t.value: 0 for t in EntityType}
    for row in store.select(_PREFIXES + """
            SELECT ?t (COUNT(DISTINCT ?e) AS ?n) WHERE {
              { SELECT DISTINCT ?e WHERE { GRAPH ?a { ?a hkg:mentions ?e } } } ?e a ?t }
            GROUP BY ?t"""):
        if str(row["t"]) in _TYPES:
            by_type[_TYPES[str(row["t"])]] = int(row["n"])
    single = store.select(_PREFIXES + f"""
        SELECT (COUNT(DISTINCT ?a) AS ?articles) (COUNT(DISTINCT ?u) AS ?unmapped)
               (COUNT(DISTINCT ?v) AS ?vocab) WHERE {{
          {{ GRAPH ?a {{ ?a a hkg:Article }} }} UNION {{ ?u hkg:mapped false }}
          UNION {{ GRAPH {iri(graph.minter.ontology_graph)} {{ ?v hkg:mapped true }} }} }}""")[0]
    return Stats(articles=int(single["articles"]), claims=sum(by_modality.values()),
                 triples=len(store), claims_by_modality=by_modality,
                 claims_by_predicate=dict(sorted(by_predicate.items())),
                 entities_by_type=by_type, unmapped=int(single["unmapped"]),
                 vocabulary=int(single["vocab"]))
