"""The Flask web app: pages and JSON over the knowledge graph.

`create_app(settings)` builds an app whose graph handle lives in
`app.extensions["kg"]`; views make one call into `kg` and render it.
"""
from __future__ import annotations

from flask import Flask

from kg import KnowledgeGraph, Settings, load_settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, graph: KnowledgeGraph | None = None) -> Flask:
    """Build the app.

    Args:
        settings: the configuration; read from `KG_*` variables if None.
        graph: an already open graph to serve (the app then does not own it).
    """
    app = Flask(__name__)
    settings = settings or load_settings()
    app.config.update(KG_SETTINGS=settings, MAX_CONTENT_LENGTH=1024 * 1024)
    app.extensions["kg"] = graph or KnowledgeGraph.open(settings, write=True)
    from . import (api, belief, claims, claimstate, curate, curation_api, errors, export,
                   pages, security, sparql)

    security.init_app(app)  # secret key, session cookie, CSRF on every form

    app.register_blueprint(pages.bp)
    app.register_blueprint(claims.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(curation_api.bp)
    app.register_blueprint(export.bp)
    app.register_blueprint(belief.bp)
    app.register_blueprint(belief.api_bp)
    curate.init_app(app)  # sign-in, flags, curator actions, the queue
    claimstate.init_app(app)  # claim states, rejected hidden, histories
    sparql.init_app(app)  # /sparql and /.well-known/void
    errors.init_app(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        return response

    return app
