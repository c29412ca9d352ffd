"""KGError -> an HTTP status with a short page or JSON body; no tracebacks.

Programs (anything under /api/, or asking for JSON) get `{"error",
"message", "status"}`.  Readers get a page in plain words (issue 18, "no
dead ends"): a headline saying what happened rather than "404 NotFound",
the message without the graph's internal IRIs, the names close to a
missing entity as links ("did you mean"), a search box, and the ways on.
"""
from __future__ import annotations

import re

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, default_exceptions

from kg import KGError, NotFound

__all__ = ["HEADLINES", "answer", "init_app", "plain_message"]

#: What a reader is told happened, per status (anything else: the 500 one).
HEADLINES = {
    400: "That request could not be understood",
    403: "That is not allowed here",
    404: "Not found",
    405: "This address does not take that kind of request",
    406: "That format is not available here",
    413: "That request is too large",
    429: "Too many requests from you at once",
    500: "Something went wrong on our side",
    503: "The service is busy",
}
#: Werkzeug's own descriptions are written for developers; a reader gets these.
_PLAIN_DEFAULTS = {
    404: "There is no page at this address. It may have moved, or the address may be "
         "mistyped.",
    405: "Follow a link or use the forms on the pages instead.",
}
_IRI = re.compile(r"<?(https?://[^\s<>'\"]+)>?")
_HINT = re.compile(r";\s*did you mean .*$")


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


def plain_message(message: str, base_iri: str, suggestions: tuple[str, ...] = ()) -> str:
    """A kg message as a reader's sentence: the graph's own IRIs cut to the
    name at their end, the "did you mean" left to the page's links when
    there are any, a capital first letter and a full stop.

    >>> plain_message("no entity named 'ketamin'; did you mean 'ketamine'?",
    ...               "http://x/", ("ketamine",))
    "No entity named 'ketamin'."
    >>> plain_message("nothing is known about <http://x/entity/nobody>", "http://x/")
    'Nothing is known about nobody.'
    """
    def local(match: re.Match) -> str:
        iri = match.group(1)
        if iri.startswith(base_iri):
            return iri.rstrip("/").rsplit("/", 1)[-1]
        return match.group(0)

    text = _IRI.sub(local, message.strip())
    if suggestions:
        text = _HINT.sub("", text)
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _search_guess() -> str:
    """What the reader was probably after: the last part of the address (an
    entity key reads as words).  Never a query parameter: each route reads
    only the parameters it declares (`webapp.parameters`)."""
    last = request.path.rstrip("/").rsplit("/", 1)[-1]
    return last.replace("-", " ").replace("_", " ")[:100]


def answer(status: int, title: str, message: str, suggestions: tuple[str, ...] = ()):
    """The error as JSON for programs, or as a page in plain words."""
    if _wants_json():
        return jsonify(error=title, message=message, status=status), status
    if status in _PLAIN_DEFAULTS and message == default_exceptions[status].description:
        message = _PLAIN_DEFAULTS[status]
    base = current_app.config["KG_SETTINGS"].base_iri
    return render_template(
        "error.html", status=status, headline=HEADLINES.get(status, HEADLINES[500]),
        message=plain_message(message, base, suggestions), suggestions=suggestions,
        guess=_search_guess() if status == 404 else ""), status


def init_app(app: Flask) -> None:
    @app.errorhandler(KGError)
    def _kg_error(err: KGError):
        suggestions = err.suggestions if isinstance(err, NotFound) else ()
        body, status = answer(err.status, type(err).__name__, str(err), suggestions)
        retry_after = getattr(err, "retry_after", None)  # a 429: when to come back
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return body, status, headers

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        return answer(err.code or 500, err.name, err.description or "")

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error")
        return answer(500, "Internal error", "Something went wrong; the error was logged.")
