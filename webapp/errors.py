"""KGError -> an HTTP status with a short page or JSON body; no tracebacks."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kg import KGError

__all__ = ["init_app"]


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


def _answer(status: int, title: str, message: str):
    if _wants_json():
        return jsonify(error=title, message=message, status=status), status
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(KGError)
    def _kg_error(err: KGError):
        return _answer(err.status, type(err).__name__, str(err))

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        return _answer(err.code or 500, err.name, err.description or "")

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error")
        return _answer(500, "Internal error", "Something went wrong; the error was logged.")
