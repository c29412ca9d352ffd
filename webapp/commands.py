"""`kg serve`: contributed to the `kg` command through the `kg.commands`
entry point, so the kg package never imports webapp."""
from __future__ import annotations

import os

import click

__all__ = ["serve"]

#: glibc's M_ARENA_MAX (malloc.h) and the arenas the server may use.
_M_ARENA_MAX, _ARENAS = -8, 2


def _fewer_malloc_arenas() -> None:
    """Let glibc keep at most `_ARENAS` malloc arenas, as MALLOC_ARENA_MAX
    would; before the server's threads start, so it holds for all of them.

    Each of waitress's threads otherwise gets an arena of its own, which
    keeps the memory it once used: the server's RSS grew by a third in its
    first minutes under load (docs/reliability.md).  A no-op on a
    C library without mallopt, or when MALLOC_ARENA_MAX is already set.
    """
    import ctypes
    import ctypes.util

    if os.environ.get("MALLOC_ARENA_MAX"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_ARENA_MAX, _ARENAS)
    except (OSError, AttributeError):
        pass


_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
_ANY = {"0.0.0.0", "::", ""}


def base_iri_warning(base_iri: str, host: str, port: int) -> str | None:
    """Why the minted IRIs (`KG_BASE_IRI`) will not resolve on this server,
    or None: the IRIs name another port, or a loopback address when the
    server listens on the network, or another host than the one it binds.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(base_iri)
    iri_host = (parts.hostname or "").lower()
    iri_port = parts.port or (443 if parts.scheme == "https" else 80)
    where = ""
    if port and iri_port != port:
        where = f"port {port}"
    elif host in _ANY and iri_host in _LOOPBACK:
        where = f"every interface ({host or '*'}) while the IRIs name {iri_host}"
    elif host not in _ANY and not ({host.lower(), iri_host} <= _LOOPBACK) \
            and host.lower() != iri_host:
        where = f"{host}"
    if not where:
        return None
    return (f"KG_BASE_IRI is {base_iri} but the server listens on {where}: the IRIs shown "
            "on pages will not resolve here; set KG_BASE_IRI to this server's public address")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to bind; 0.0.0.0 exposes the service to the network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.pass_context
def serve(ctx, host, port, threads):
    """Serve the web app and API with waitress (a production WSGI server)."""
    from waitress import create_server

    from . import create_app
    from kg.admin import ENV, create_token, token_path

    _fewer_malloc_arenas()
    app = create_app(ctx.obj)
    # Editors add articles through the running server: POST
    # /api/articles with this token; `kg ingest --server URL` reads the file.
    create_token(ctx.obj.data_path)
    server = create_server(app, host=host, port=port, threads=threads, ident="health-kg")
    click.echo(f"Serving on http://{server.effective_host}:{server.effective_port}/ "
               f"(store: {ctx.obj.store}, data: {ctx.obj.data_dir}); Ctrl-C stops", err=True)
    warning = base_iri_warning(ctx.obj.base_iri, host, int(server.effective_port))
    if warning:
        click.echo(f"kg: warning: {warning}", err=True)
    if not os.environ.get(ENV):
        click.echo(f"Adding articles: `kg ingest --server URL FILE` (token in "
                   f"{token_path(ctx.obj.data_path)})", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["kg"].close()
