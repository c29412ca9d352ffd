"""Talking to a running `kg serve`: post article files to it and retract
articles, for `kg ingest --server URL` and `kg delete --server URL`.

The embedded store has one writer, which is the server while it runs; this
client hands files to the server's `POST /api/articles`, which ingests each
in one transaction (readers never see half an article).  Standard library
only; the server answers JSON.  The token it sends is found by
`kg.admin.read_token`.
"""
from __future__ import annotations

import json
import mimetypes
import secrets
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from ingest import ArticleError, read_article

from .errors import KGError
from .load import IngestResult

__all__ = ["ServerClient"]


class ServerClient:
    """The write API of one server."""

    def __init__(self, url: str, token: str, timeout: float = 120.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise KGError(f"--server must be an http(s) URL, not {url!r}")
        self.base = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _send(self, method: str, path: str, body: bytes | None = None,
              content_type: str | None = None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as err:
            with err:  # an HTTPError holds the response open
                try:
                    data = json.loads(err.read() or b"{}")
                except ValueError:
                    data = {}
            if err.code in (401, 403):
                raise KGError(f"{self.base} refused the token ({err.code}): "
                              f"{data.get('message', err.reason)}") from None
            return err.code, data
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise KGError(f"cannot reach {self.base}: {reason}") from None

    def ingest(self, path: str | Path,
               claimed_ids: dict[str, str] | None = None) -> IngestResult:
        """Upload one article file; the server adds, replaces or skips it.

        `claimed_ids` (article id -> file, for this run) works as in
        `KnowledgeGraph.ingest_file`: the id is read here, before the upload, and a
        second file with an id already used in the run is refused instead of
        replacing the first on the server.
        """
        path = Path(path)
        if claimed_ids is not None:
            try:
                article = read_article(path).id
            except ArticleError as err:
                return IngestResult(str(path), error=str(err))
            other = claimed_ids.setdefault(article, str(path))
            if other != str(path):
                return IngestResult(str(path), error=f"{path}: article id {article!r} is "
                                                     f"already used by {other}")
        boundary = "kg-" + secrets.token_hex(16)
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        name = path.name.replace('"', "_").replace("\r", "_").replace("\n", "_")
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"{name}\"\r\nContent-Type: {media}\r\n\r\n").encode("utf-8")
        try:
            data = path.read_bytes()
        except OSError as err:
            return IngestResult(str(path), error=f"{path}: {err.strerror or err}")
        body = head + data + f"\r\n--{boundary}--\r\n".encode()
        status, answer = self._send("POST", "/api/articles", body,
                                    f"multipart/form-data; boundary={boundary}")
        if status in (200, 201):
            return IngestResult(str(path), answer.get("article", ""), answer.get("status", ""),
                                int(answer.get("claims", 0)))
        message = answer.get("message") or f"the server answered {status}"
        return IngestResult(str(path), error=f"{path}: {message}")

    def delete(self, article_id: str) -> bool:
        """Retract one article; False when the server does not have it."""
        status, answer = self._send("DELETE",
                                    "/api/articles/" + urllib.parse.quote(article_id, safe=""))
        if status == 404:
            return False
        if status != 200:
            raise KGError(answer.get("message") or f"the server answered {status}")
        return True
