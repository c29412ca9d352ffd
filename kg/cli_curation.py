"""`kg curation ...` and `kg curator ...` (issue 19): thin wrappers over
`kg.curation`, `kg.curation_log` and `kg.curators`.

Writes open the data folder as a writer (its lock, as `kg ingest` does);
while `kg serve` holds it, curate through the server's API instead.
"""
from __future__ import annotations

import json
import sys

import click

from ingest import domain

from . import curation, curation_log, curators
from .curators import ADMIN
from .graph import KnowledgeGraph

__all__ = ["curation_group", "curator_group"]

_WHO = click.option("--who", default=ADMIN, show_default=True,
                    help="The curator the record names.")
_NOTE = click.option("--note", help="Why, in a sentence.")
_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                       show_default=True)


def _open(ctx, write: bool = False) -> KnowledgeGraph:
    graph = KnowledgeGraph.open(ctx.obj, write=write)
    ctx.call_on_close(graph.close)
    return graph


def _claim(graph: KnowledgeGraph, claim: str) -> str:
    """A claim IRI from an IRI or the hash part of one."""
    if graph.minter.local(claim, "claim") is not None:
        return claim
    return str(graph.minter.claim_named(claim))


def _done(record, fmt: str = "text") -> None:
    if fmt == "json":
        click.echo(json.dumps(record.as_json(), ensure_ascii=False))
    else:
        click.echo(f"{record.kind} {record.id}")


@click.group("curation")
def curation_group():
    """Review claims, reground names, and read the curation records."""


@curation_group.command("review")
@click.argument("claim")
@click.option("--verdict", type=click.Choice(["confirmed", "rejected"]))
@click.option("--modality", type=click.Choice(list(domain.MODALITIES)))
@_NOTE
@_WHO
@click.pass_context
def review_command(ctx, claim, verdict, modality, note, who):
    """Confirm or reject a CLAIM (its IRI or id), or set its modality."""
    graph = _open(ctx, write=True)
    _done(curation.review(graph, _claim(graph, claim), who, verdict, modality, note))


@curation_group.command("flag")
@click.argument("claim")
@click.option("--reason", type=click.Choice(list(domain.FLAG_REASONS)), required=True)
@click.pass_context
def flag_command(ctx, claim, reason):
    """Flag a CLAIM as a reader would (anonymous; a flag, not a decision)."""
    graph = _open(ctx, write=True)
    _done(curation.flag(graph, _claim(graph, claim), reason))


@curation_group.command("reground")
@click.argument("surface")
@click.argument("entity")
@click.option("--type", "type_", type=click.Choice(list(domain.TYPES)),
              help="Only the entity minted for SURFACE with this type.")
@_NOTE
@_WHO
@click.pass_context
def reground_command(ctx, surface, entity, type_, note, who):
    """Ground the name SURFACE to ENTITY (IRI, key or standard ID) from now on;
    stored articles naming its minted entity are extracted again."""
    _done(curation.reground(_open(ctx, write=True), surface, entity, who, type_, note))


@curation_group.command("merge")
@click.argument("entity")
@click.argument("into")
@_NOTE
@_WHO
@click.pass_context
def merge_command(ctx, entity, into, note, who):
    """Merge the minted ENTITY into INTO: each of its names is regrounded."""
    _done(curation.merge(_open(ctx, write=True), entity, into, who, note))


@curation_group.command("note")
@click.argument("iri")
@click.argument("text")
@_WHO
@click.pass_context
def note_command(ctx, iri, text, who):
    """A note on a claim, an entity or an article (its IRI)."""
    graph = _open(ctx, write=True)
    target = iri if "/" in iri else _claim(graph, iri)
    _done(curation.add_note(graph, target, text, who))


@curation_group.command("undo")
@click.argument("record")
@_NOTE
@_WHO
@click.pass_context
def undo_command(ctx, record, note, who):
    """Take back the curation RECORD (its id): it stays, with no effect."""
    _done(curation.undo(_open(ctx, write=True), record.rsplit("/", 1)[-1], who, note))


@curation_group.command("history")
@click.argument("iri", required=False)
@click.option("--relation", nargs=3, metavar="S P O",
              help="A relation instead: subject IRI, predicate name, object IRI.")
@_FORMAT
@click.pass_context
def history_command(ctx, iri, relation, fmt):
    """Ingests, replacements and curations of a claim, entity or article
    (IRI), or of a relation, newest first."""
    from .terms import HKG

    if not iri and not relation:
        raise click.UsageError("give an IRI or --relation S P O")
    graph = _open(ctx)
    if relation:
        s, p, o = relation
        events = curation_log.history(graph, relation=(s, str(HKG[p.rsplit("#", 1)[-1]]), o))
    else:
        events = curation_log.history(graph, iri)
    if fmt == "json":
        click.echo(json.dumps([e.as_json() for e in events], indent=2, ensure_ascii=False))
        return
    for event in events:
        what = (event.record.note or event.record.verdict or event.record.reason or ""
                if event.record else f"+{len(event.added)} -{len(event.removed)}")
        click.echo(f"{event.when}\t{event.kind}\t{event.who or '-'}\t{event.article or '-'}"
                   f"\t{what}")


@curation_group.command("orphans")
@_FORMAT
@click.pass_context
def orphans_command(ctx, fmt):
    """Claim curations whose claim no article states any more."""
    found = curation_log.orphans(_open(ctx))
    if fmt == "json":
        click.echo(json.dumps([r.as_json() for r in found], indent=2, ensure_ascii=False))
        return
    for r in found:
        assert r.anchor is not None  # orphans are anchored records
        click.echo(f"{r.id}\t{r.kind}\t{r.who}\t{r.anchor.article_id}\t{r.anchor.evidence}")


@curation_group.command("queue")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@click.option("--offset", default=0, type=click.IntRange(0))
@_FORMAT
@click.pass_context
def queue_command(ctx, limit, offset, fmt):
    """Open flags and unmapped entities, most read first."""
    items = curation_log.queue(_open(ctx), limit, offset)
    if fmt == "json":
        click.echo(json.dumps([i.as_json() for i in items], indent=2, ensure_ascii=False))
        return
    for i in items:
        flags = ",".join(f"{k}={v}" for k, v in sorted(i.flags.items()))
        click.echo(f"{i.reach}\t{i.kind}\t{i.label}\t{flags or i.type}\t{i.iri}")


@curation_group.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File (default: stdout).")
@click.pass_context
def export_command(ctx, output):
    """Curated claims as evaluation JSONL (../shared/eval/SCHEMA.md)."""
    lines = [json.dumps(line, ensure_ascii=False) + "\n"
             for line in curation_log.export_records(_open(ctx))]
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.writelines(lines)
        click.echo(f"wrote {len(lines)} curated claims to {output}", err=True)
    else:
        sys.stdout.writelines(lines)


@curation_group.command("import")
@click.argument("path", type=click.File("r", encoding="utf-8"))
@_WHO
@click.pass_context
def import_command(ctx, path, who):
    """Load curated claims (JSONL of `kg curation export`) back as reviews."""
    made = curation_log.import_records(_open(ctx, write=True), path, who)
    click.echo(f"{made} reviews made")


@click.group("curator")
def curator_group():
    """Curator tokens: named, revocable, stored hashed in <data>/curators.json."""


@curator_group.command("add")
@click.argument("name")
@click.pass_context
def curator_add(ctx, name):
    """Make a token for curator NAME (printed once; a new one replaces theirs)."""
    click.echo(curators.add(ctx.obj.data_path, name))


@curator_group.command("list")
@click.pass_context
def curator_list(ctx):
    """The curators who have a token."""
    for entry in curators.names(ctx.obj.data_path):
        click.echo(f"{entry['name']}\t{entry['created']}")


@curator_group.command("revoke")
@click.argument("name")
@click.pass_context
def curator_revoke(ctx, name):
    """Revoke NAME's token (their curations stay)."""
    curators.revoke(ctx.obj.data_path, name)
    click.echo(f"revoked {name}")
