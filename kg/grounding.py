"""Re-grounding and merging entities (issue 19).

A regrounding maps a surface form (lower-cased, optionally of one entity
type) to an entity.  From then on the vocabulary extraction uses learns the
form as a name of that entity (`Context.vocabulary` reads the regroundings
in effect), so later ingests ground it so; and every stored article whose
graph mentions the entity minted for that form is extracted again from its
stored text at once (`kg.load.reextract_article`).  A merge regrounds every
name of a minted entity (its labels) to another entity.  Undoing either
forgets the names and extracts the same articles again.
"""
from __future__ import annotations

from . import anchoring, load
from .anchoring import Record
from .context import Context
from .anchoring import BadCuration, check_curator_name
from .anchoring import clean_note as _note
from .errors import NotFound, quoted
from .store.base import Triple
from .terms import HKG, Sparql, iri, literal, sparql_prefixes

__all__ = ["merge", "reground", "resolve_entity", "undo_grounding"]

_PREFIXES = sparql_prefixes()
#: Longest surface form taken (a name, not a sentence).
MAX_FORM = 200


def _form(surface: str) -> str:
    form = " ".join((surface or "").lower().split())
    if not form or len(form) > MAX_FORM:
        raise BadCuration(f"a surface form is a name of 1 to {MAX_FORM} characters, not "
                          f"{quoted(surface)}", "surface")
    return form


def resolve_entity(ctx: Context, entity: str) -> str:
    """The IRI of the entity `entity` names: one of our entity IRIs, an
    entity key ("ketamine") or a standard ID a vocabulary entity carries
    ("CHEBI:6121").

    Raises:
        NotFound: no such entity in the vocabulary or any article.
    """
    text = (entity or "").strip()
    if ctx.minter.local(text, "entity") is not None:
        key = ctx.minter.local(text, "entity") or ""
    elif ":" in text and "/" not in text:
        matches = [e.key for e in ctx.vocabulary.entities if text in e.ids]
        if not matches:
            raise NotFound(f"no vocabulary entity has the ID {quoted(text)}")
        key = matches[0]
    else:
        key = text
    name = ctx.minter.entity(key)
    if ctx.vocabulary.get(key) is None and not ctx.store.ask(
            f"ASK {{ {iri(name)} {iri(HKG.mapped)} ?m }}"):
        raise NotFound(f"no entity {quoted(entity)}")
    return str(name)


def _minted_mentions(ctx: Context, forms: list[str], type_: str | None,
                     exclude: str | None = None) -> list[str]:
    """Ids of the stored articles mentioning an unmapped entity whose label
    is one of `forms` (lower-cased), of type `type_` if given."""
    typed = Sparql(f"?e a {iri(HKG[type_])} ." if type_ else "")
    not_target = Sparql(f"FILTER(?e != {iri(exclude)})" if exclude else "")
    rows = ctx.store.select_values(_PREFIXES + f"""
        SELECT DISTINCT ?id WHERE {{ GRAPH ?a {{
          ?a a hkg:Article ; dcterms:identifier ?id ; hkg:mentions ?e .
          ?e hkg:mapped false ; rdfs:label ?l . {typed} }}
          VALUES ?form {{ {' '.join(literal(f) for f in forms)} }}
          FILTER(LCASE(STR(?l)) = ?form) {not_target} }} ORDER BY ?id""")
    return [r["id"] for r in rows]


def _reextract(ctx: Context, article_ids: list[str]) -> None:
    ctx.forget_vocabulary()
    for article_id in article_ids:
        ctx.articles_changed(load.reextract_article(ctx, article_id))


def reground(ctx: Context, surface: str, entity: str, who: str, type_: str | None = None,
             note: str | None = None) -> Record:
    """Ground the surface form `surface` to `entity` from now on, and
    extract again every stored article that mentions the entity minted for
    it.  The record is written first (one transaction), then each article
    is rewritten (one transaction each).

    Args:
        surface: the name as articles write it (compared lower-cased).
        entity: an entity IRI, key or standard ID (`resolve_entity`).
        who: the curator's name.
        type_: only the entity minted for the form with this type (an
            `ingest.model.EntityType` value) is replaced.

    Raises:
        BadCuration: an empty form or an unknown type.
        NotFound: no such entity.
    """
    from ingest.model import EntityType

    check_curator_name(who)
    form = _form(surface)
    if type_ is not None and type_ not in EntityType._value2member_map_:
        raise BadCuration(f"not an entity type: {quoted(type_)}", "type")
    target = resolve_entity(ctx, entity)
    record = Record(anchoring.new_id(), "regrounding", who, anchoring.now(), _note(note),
                    surface=form, entity_type=type_, entity=target)
    ctx.store.apply(anchoring.article_patch_for(ctx, [record]))
    _reextract(ctx, _minted_mentions(ctx, [form], type_, exclude=target))
    return record


def merge(ctx: Context, entity: str, into: str, who: str, note: str | None = None) -> Record:
    """Merge the minted (unmapped) entity `entity` into `into`: each of its
    names is regrounded to `into` (one record, `hkg:Merge`, with every
    form), and the articles mentioning it are extracted again.

    Raises:
        BadCuration: `entity` is a curated vocabulary entity, or `into`.
        NotFound: either entity is unknown.
    """
    check_curator_name(who)
    merged, target = resolve_entity(ctx, entity), resolve_entity(ctx, into)
    if merged == target:
        raise BadCuration("an entity cannot be merged into itself", "into")
    key = ctx.minter.local(merged, "entity") or ""
    known = ctx.vocabulary.get(key)
    if known is not None and known.mapped:
        raise BadCuration(f"{quoted(entity)} is a curated vocabulary entity; only minted "
                          "entities are merged", "entity")
    rows = ctx.store.select_values(
        f"SELECT DISTINCT ?l WHERE {{ {iri(merged)} {iri(HKG.mapped)} false ; "
        f"<http://www.w3.org/2000/01/rdf-schema#label> ?l }}")
    forms = sorted({" ".join(r["l"].lower().split()) for r in rows} - {""})
    if not forms:
        raise NotFound(f"no minted entity {quoted(entity)}")
    record_id = anchoring.new_id()
    node = ctx.minter.curation(record_id)
    record = Record(record_id, "merge", who, anchoring.now(), _note(note),
                    surface=forms[0], entity=target, merged=merged)
    patch = anchoring.article_patch_for(ctx, [record])
    patch.add.extend((node, HKG.surfaceForm, _literal(f)) for f in forms[1:])
    ctx.store.apply(patch)
    _reextract(ctx, _minted_mentions(ctx, forms, None, exclude=target))
    return record


def _literal(text: str):
    from rdflib import Literal

    return Literal(text)


def undo_grounding(ctx: Context, target: Record, record: Record, link: Triple) -> None:
    """Take back a regrounding or merge (`kg.curation.undo`): the record
    and the link first, then the articles now grounding the form to the
    entity are extracted again without it."""
    forms = [target.surface] if target.surface else []
    if target.kind == "merge" and target.merged:
        rows = ctx.store.select_values(
            f"SELECT ?f WHERE {{ GRAPH {iri(ctx.minter.curation_graph)} {{ "
            f"{iri(ctx.minter.curation(target.id))} {iri(HKG.surfaceForm)} ?f }} }}")
        forms = sorted({r["f"] for r in rows})
    affected = _grounded_mentions(ctx, forms, target.entity or "")
    patch = anchoring.article_patch_for(ctx, [record])
    patch.add.append(link)
    ctx.store.apply(patch)
    _reextract(ctx, affected)


def _grounded_mentions(ctx: Context, forms: list[str], entity: str) -> list[str]:
    """Ids of the stored articles that mention `entity` and whose text
    holds one of `forms` (compared lower-cased)."""
    if not forms or not entity:
        return []
    rows = ctx.store.select_values(_PREFIXES + f"""
        SELECT DISTINCT ?id WHERE {{ GRAPH ?a {{
          ?a a hkg:Article ; dcterms:identifier ?id ; hkg:mentions {iri(entity)} ; hkg:text ?t }}
          VALUES ?form {{ {' '.join(literal(f) for f in forms)} }}
          FILTER(CONTAINS(LCASE(?t), ?form)) }} ORDER BY ?id""")
    return [r["id"] for r in rows]
