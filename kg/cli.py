"""The `kg` command: thin wrappers over the kg package, one-line errors.

Every command but `serve` lives here; `serve` and any other extra command
come from the `kg.commands` entry-point group, so `kg` never imports
`webapp` (data flows ingest -> kg -> webapp only).
"""
from __future__ import annotations

import csv
import io
import json
import sys
from importlib.metadata import entry_points
from pathlib import Path

import click

from ingest import domain

from . import read
from .config import SETTINGS, load_settings
from .errors import KGError
from .graph import KnowledgeGraph

__all__ = ["main"]


class _Group(click.Group):
    """Adds the entry-point commands and turns KGError into one line."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | {ep.name for ep in _plugins()})

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None:
            for ep in _plugins():
                if ep.name == name:
                    return ep.load()
        return command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KGError as err:
            raise click.ClickException(str(err)) from None


def _plugins():
    return entry_points(group="kg.commands")


def _settings_options(func):
    for row in reversed(SETTINGS):
        flag = "--" + row.name.replace("_", "-")
        func = click.option(flag, row.name, default=None, metavar="VALUE",
                            help=f"{row.help} [env {row.env}; default {row.default}]")(func)
    return func


def _fewer_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas for this process and its workers.

    glibc gives threads that allocate at once heaps of their own (up to 8
    per core), and RocksDB's, tantivy's and the indexing thread's
    allocations spread over them: `kg ingest` of 1,000 articles peaked at
    726 MB with the default and 453 MB with 2 arenas, 8% faster.  The same
    as `MALLOC_ARENA_MAX=2`, which, when set, wins; a no-op off glibc."""
    import ctypes
    import ctypes.util
    import os

    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@_settings_options
@click.version_option(package_name="health-kg")
@click.pass_context
def main(ctx, **overrides):
    """Knowledge graph of the claims health articles make.

    Ingest articles (.txt, .md, .html, .json), list their claims with the
    sentence, article and modality of each, search and query the graph, and
    serve it on the web.  Settings come from KG_* environment variables or
    the options below (`kg settings` lists them).
    """
    import logging

    _fewer_malloc_arenas()
    if not logging.getLogger("kg").handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("kg: %(levelname)s: %(message)s"))
        logging.getLogger("kg").addHandler(handler)
    try:
        ctx.obj = load_settings(**overrides)
    except KGError as err:
        raise click.ClickException(str(err)) from None


def _open(ctx, write: bool = False) -> KnowledgeGraph:
    graph = KnowledgeGraph.open(ctx.obj, write=write)
    ctx.call_on_close(graph.close)
    return graph


_SERVER_HELP = ("Send to this running `kg serve` (its URL) instead of opening the data "
                "folder, which the server holds.")
_TOKEN_HELP = ("Admin token for --server (default: KG_ADMIN_TOKEN, else the data folder's "
               "admin-token file that `kg serve` writes).")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--server", metavar="URL", help=_SERVER_HELP)
@click.option("--token", metavar="TOKEN", help=_TOKEN_HELP)
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Processes that read and extract articles (default: one per CPU for "
                   "a large ingest; 0: none, all in this process).")
@click.option("--batch", type=click.IntRange(min=1), default=None,
              help="New articles per store transaction (default: 64).")
@click.pass_context
def ingest(ctx, paths, quiet, server, token, workers, batch):
    """Ingest article files or folders (.txt .md .html .json).

    Each article goes in whole or not at all; an unchanged file is skipped.
    A file that cannot be ingested is reported on one line and the others
    still go in; the exit status is then 1.  New articles are written many
    per transaction, extracted in parallel.  With --server, the files go to
    a running `kg serve`, which ingests them the same way.
    """
    import time
    from typing import Iterator

    from .load import BATCH_ARTICLES, IngestResult, find_articles

    files, failures = find_articles(paths)
    for failure in failures:
        click.echo(f"kg: error: {failure.error}", err=True)
    counts = {"added": 0, "replaced": 0, "unchanged": 0, "failed": len(failures)}
    claims = 0
    claimed: dict[str, str] = {}
    if server:  # add articles while the server holds the data folder
        from .admin import read_token
        from .client import ServerClient

        client = ServerClient(server, read_token(ctx.obj.data_path, token))
        results: Iterator[IngestResult] = (client.ingest(path, claimed) for path in files)
    else:
        graph = _open(ctx, write=True)
        results = graph.ingest_files(files, claimed, workers=workers,
                                     batch=batch or BATCH_ARTICLES, readers=False)
    began = time.perf_counter()
    with click.progressbar(
            results, length=len(files), label="Ingesting", file=sys.stderr, show_pos=True,
            hidden=quiet or not files,
            item_show_func=lambda r: Path(r.path).name if r else "") as bar:
        for result in bar:
            counts[result.status] += 1
            claims += result.claims
            if not result.ok:
                click.echo(f"\nkg: error: {result.error}", err=True)
    took = time.perf_counter() - began
    click.echo(f"{counts['added']} added, {counts['replaced']} replaced, "
               f"{counts['unchanged']} unchanged, {counts['failed']} failed; "
               f"{claims} claims written in {took:.2f} s")
    if counts["failed"]:
        ctx.exit(1)


@main.command()
@click.option("--article", help="Only this article's claims (its id).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "ttl"]), default="jsonl",
              show_default=True)
@click.option("--explain", is_flag=True, help="Add the rule, cue words and extractor version.")
@click.pass_context
def claims(ctx, article, fmt, explain):
    """List claims: subject, predicate, object, modality and evidence."""
    graph = _open(ctx)
    if fmt == "ttl":
        click.echo(read.claims_graph(graph, article).serialize(format="turtle"), nl=False)
        return
    records = read.claims(graph, article)
    if fmt == "jsonl":
        from . import claimlist

        # Each claim with its relation's belief and its review state (issue 19).
        for line in claimlist.rows_of(graph, records):
            click.echo(json.dumps(line.as_json(explain), ensure_ascii=False))
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["article", "claim", "subject", "subject_type", "predicate", "object",
              "object_type", "modality", "evidence", "start", "end"]
    writer.writerow(header + (["rule", "cues", "extractor_version"] if explain else []))
    for r in records:
        row = [r.article, r.iri, r.subject.label, r.subject.type, r.predicate, r.object.label,
               r.object.type, r.modality, r.evidence, r.start, r.end]
        writer.writerow(row + ([r.rule, " | ".join(r.cues), r.extractor_version]
                               if explain else []))
    click.echo(buffer.getvalue(), nl=False)


@main.command()
@click.argument("sparql")
@click.option("--format", "fmt", default=None,
              help="json, xml, csv, tsv (SELECT/ASK); ttl, nt, rdfxml, jsonld (CONSTRUCT).")
@click.option("--no-limits", is_flag=True,
              help="No time limit, row cap or size limit (the public endpoint keeps them). "
                   "Still read-only and never fetches from other sites.")
@click.pass_context
def query(ctx, sparql, fmt, no_limits):
    """Run a SPARQL query over all graphs ('-' reads it from stdin, @FILE from a file).

    The same policy as the public /sparql endpoint (kg.sparql): read-only,
    no SERVICE/LOAD/foreign FROM, and by default its time limit
    (KG_QUERY_TIMEOUT) and row cap.
    """
    from .sparql import Limits, QueryRunner

    if sparql == "-":
        sparql = sys.stdin.read()
    elif sparql.startswith("@"):
        with open(sparql[1:], encoding="utf-8") as handle:
            sparql = handle.read()
    graph = _open(ctx)
    limits = Limits.none() if no_limits else Limits.public(ctx.obj)
    with QueryRunner(graph, limits, workers=1) as runner:
        answer = runner.run(sparql, fmt)
    click.echo(answer.body, nl=not answer.body.endswith(b"\n"))
    if answer.truncated:
        click.echo(f"kg: warning: the answer was cut at {limits.max_rows} rows; "
                   "--no-limits gives all of it", err=True)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def stats(ctx, fmt):
    """Counts of articles, claims, entities and triples."""
    import dataclasses

    numbers = read.stats(_open(ctx))
    if fmt == "json":
        click.echo(json.dumps(dataclasses.asdict(numbers), indent=2))
        return
    click.echo(f"articles   {numbers.articles}\nclaims     {numbers.claims}  "
               + ", ".join(f"{k} {v}" for k, v in numbers.claims_by_modality.items())
               + f"\nentities   {sum(numbers.entities_by_type.values())} named in articles  "
               + ", ".join(f"{k} {v}" for k, v in numbers.entities_by_type.items() if v)
               + f"\nunmapped   {numbers.unmapped}\nvocabulary {numbers.vocabulary}"
               + f"\ntriples    {numbers.triples}")


@main.command()
@click.pass_context
def validate(ctx):
    """Check the graph against the SHACL shapes (exit 1 if it does not conform)."""
    from .validate import validate as run

    report = run(_open(ctx))
    if report.conforms:
        click.echo(f"conforms: {report.triples} triples checked against ontology/shapes.ttl")
        return
    click.echo(report.text, err=True)
    raise click.ClickException(f"{report.violations} SHACL violations")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def articles(ctx, fmt):
    """List ingested articles, newest first."""
    import dataclasses

    found = read.articles(_open(ctx))
    if fmt == "json":
        click.echo(json.dumps([dataclasses.asdict(a) for a in found], indent=2,
                              ensure_ascii=False))
        return
    for a in found:
        click.echo(f"{a.id}\t{a.claims} claims\t{a.modified}\t{a.title}")


@main.command()
@click.argument("article")
@click.option("--server", metavar="URL", help=_SERVER_HELP)
@click.option("--token", metavar="TOKEN", help=_TOKEN_HELP)
@click.pass_context
def delete(ctx, article, server, token):
    """Retract one article: its graph, claims and edges."""
    from .errors import NotFound

    if server:
        from .admin import read_token
        from .client import ServerClient

        existed = ServerClient(server, read_token(ctx.obj.data_path, token)).delete(article)
    else:
        existed = _open(ctx, write=True).delete_article(article)
    if not existed:
        raise NotFound(f"no article {article!r}")
    click.echo(f"deleted {article}")


@main.command()
@click.option("--unmapped", is_flag=True,
              help="Only entities minted from articles that the vocabulary lacks.")
@click.option("--type", "type_", type=click.Choice(list(domain.TYPES)))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def entities(ctx, unmapped, type_, fmt):
    """List the entities articles name."""
    found = read.entities(_open(ctx), unmapped=unmapped, type_=type_)
    if fmt == "json":
        click.echo(json.dumps([{**e.as_json(), "mapped": e.mapped} for e in found],
                              indent=2, ensure_ascii=False))
        return
    for e in found:
        state = "mapped" if e.mapped else "unmapped"
        click.echo(f"{e.type}\t{e.label}\t{' '.join(e.ids) or '-'}\t{state}\t{e.iri}")


@main.command()
@click.argument("text")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1, 1000))
@click.option("--kind", type=click.Choice(["article", "entity", "claim"]))
@click.option("--type", "type_", type=click.Choice(list(domain.TYPES)),
              help="Only entities of this type.")
@click.option("--predicate", type=click.Choice(list(domain.PREDICATES)),
              help="Only claims with this predicate.")
@click.option("--modality", type=click.Choice(list(domain.MODALITIES)))
@click.option("--article", help="Only this article and its claims.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def search(ctx, text, limit, page, kind, type_, predicate, modality, article, fmt):
    """Full-text search over articles, entities and claims.

    Questions work as typed ("what are the side effects of ketamine?"):
    documents matching any word are found, those matching all rank first.
    Words, "exact phrases", -excluded words and prefix* are understood;
    synonyms from the vocabulary are searched too, and misspelt words get a
    suggestion.
    """
    import html
    import re

    graph = _open(ctx)
    response = graph.search.search(text, limit=limit, page=page, filters={
        "kind": kind, "type": type_, "predicate": predicate, "modality": modality,
        "article": article})
    if fmt == "json":
        click.echo(json.dumps(response.as_json(), ensure_ascii=False, indent=2))
        return
    if response.suggestion:
        click.echo(f"did you mean: {response.suggestion}")
    click.echo(f"{response.total} hits")
    for hit in response.hits:
        plain = html.unescape(re.sub(r"</?mark>", "*", hit["highlight"]))
        click.echo(f"[{hit['kind']}] {hit['label']}  ({hit['score']})\n    {plain}")


@main.command()
@click.pass_context
def reindex(ctx):
    """Rebuild the search index, the relation tally and the beliefs from the graph."""
    from . import belief, tally

    graph = _open(ctx, write=True)
    total = len(graph.search.graph_hashes())
    with click.progressbar(length=total, label="Reindexing", file=sys.stderr,
                           show_pos=True) as bar:
        count = graph.search.reindex(progress=lambda _: bar.update(1))
    relations = tally.rebuild(graph)
    believed = belief.refresh(graph)
    click.echo(f"reindexed {count} articles; recounted {relations} relation tallies; "
               f"computed {believed} beliefs")


@main.command()
@click.option("--entity", help="Centre entity: name, synonym, key or IRI.")
@click.option("--depth", type=click.IntRange(1, 3), default=1, show_default=True,
              help="Steps from the entity.")
@click.option("--predicate", "predicates", multiple=True, metavar="P",
              help="Only these relations (repeat, or commas).")
@click.option("--modality", "modalities", multiple=True, metavar="M",
              help="Only claims stated so: asserted, hedged, investigational, negated.")
@click.option("--min-articles", type=click.IntRange(1), default=1, show_default=True,
              help="Only relations stated by at least N articles.")
@click.option("--type", "types", multiple=True, metavar="T",
              help="Only entities of these types (the centre stays).")
@click.option("--article", help="Instead of an entity: the relations one article states.")
@click.option("--from", "source", metavar="A", help="Instead of an entity: paths from A ...")
@click.option("--to", "target", metavar="B", help="... to B.")
@click.option("--construct", metavar="SPARQL",
              help="Instead of an entity: the claims behind a CONSTRUCT's edges "
                   "('-' reads stdin, @FILE a file).")
@click.option("--format", "fmt", required=True, metavar="F",
              help="ttl, jsonld, nt, rdfxml, graphml, gexf, csv, cytoscape, svg or pack.")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="File to write ('-' for stdout; default: named after the selection). "
                   "For csv, a folder or a .zip gets both edges and nodes tables.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def export(ctx, entity, depth, predicates, modalities, min_articles, types, article, source,
           target, construct, fmt, output, quiet):
    """Export part of the graph for teaching: RDF, network, table, picture or pack.

    Every relation keeps its evidence sentences and articles.

    \b
    Example:
    kg export --entity ketamine --depth 2 --modality asserted --format svg
    """
    from .export import ExportRequest, get_format
    from .export.files import save

    if construct == "-":
        construct = sys.stdin.read()
    elif construct and construct.startswith("@"):
        with open(construct[1:], encoding="utf-8") as handle:
            construct = handle.read()
    request = ExportRequest(entity=entity, depth=depth, predicates=predicates,
                            modalities=modalities, types=types, min_articles=min_articles,
                            article=article, source=source, target=target, construct=construct)
    form = get_format(fmt)
    graph = _open(ctx)
    with click.progressbar(length=3, label="Exporting", file=sys.stderr, hidden=quiet,
                           item_show_func=lambda stage: stage or "") as bar:
        bar.update(0, "selecting")
        subgraph = request.select(graph)
        bar.update(1, f"writing {form.name}")
        written = save(subgraph, form, output or request.filename(subgraph, form),
                       stdout=sys.stdout.buffer if output == "-" else None)
        bar.update(2, "done")
    n_articles = len(subgraph.graph.get("articles", {}))
    summary = (f"{subgraph.number_of_nodes()} entities, {subgraph.number_of_edges()} relations, "
               f"{n_articles} article{'s' if n_articles != 1 else ''}")
    if subgraph.graph.get("truncated"):
        left = subgraph.graph.get("left_out", 0)
        summary += "; a step had more claims than one step fetches, so it was cut: " + (
            "an entity's relations hold only some of their claims" if subgraph.graph.get("partial")
            else f"the claims of {left} entit{'y' if left == 1 else 'ies'} were left out")
    click.echo(f"wrote {', '.join(map(str, written)) or 'stdout'} ({summary})",
               err=output == "-")


@main.command("settings")
def settings_command():
    """Print every setting: variable, default and meaning."""
    for row in SETTINGS:
        click.echo(f"{row.env:<18} {str(row.default):<24} {row.help}")


def _curation_commands() -> None:
    """`kg curation ...` and `kg curator ...` (issue 19), in their module."""
    from .cli_curation import curation_group, curator_group

    main.add_command(curation_group)
    main.add_command(curator_group)


_curation_commands()


if __name__ == "__main__":  # `python -m kg.cli`, used by the crash tests
    main()
