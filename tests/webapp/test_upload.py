"""Adding and retracting articles while the server runs:
POST /api/articles and DELETE /api/articles/<id> behind a bearer token,
uploads confined to the data folder, `kg ingest --server` and
`kg delete --server` against a real waitress server, and readers that never
see half an article."""
from __future__ import annotations

import os
import stat
import threading

import pytest
from click.testing import CliRunner

from kg import KnowledgeGraph, Settings, read
from kg.admin import TOKEN_FILE, create_token
from kg.cli import main
from webapp import create_app

from ..conftest import seed_article

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOTE = b"Ketamine note\n\nKetamine may cause nausea.\n"


@pytest.fixture
def graph(tmp_path):
    settings = Settings(store="embedded", data_dir=str(tmp_path / "data"))
    with KnowledgeGraph.open(settings) as opened:
        yield opened


@pytest.fixture
def app(graph):
    app = create_app(graph.settings, graph=graph)
    app.config["KG_ADMIN_TOKEN"] = TOKEN
    return app


def _upload(client, name: str, data: bytes, headers=AUTH, **form):
    import io

    return client.post("/api/articles", headers=headers,
                       data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


# ------------------------------------------------------------------ token

def test_token_file_is_private_and_stable(tmp_path):
    """`kg serve` writes a random token readable by its owner only, and
    keeps it across restarts."""
    token = create_token(tmp_path / "data")
    path = tmp_path / "data" / TOKEN_FILE
    assert len(token) >= 40 and path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert create_token(tmp_path / "data") == token


def test_token_from_environment_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_ADMIN_TOKEN", "from-env")
    assert create_token(tmp_path) == "from-env"
    assert not (tmp_path / TOKEN_FILE).exists()


def test_writes_need_the_token(graph):
    """No token configured: 403; a wrong or missing header: 401; nothing written."""
    app = create_app(graph.settings, graph=graph)
    client = app.test_client()
    assert _upload(client, "a.txt", NOTE).status_code == 403
    create_token(graph.settings.data_path)
    assert _upload(client, "a.txt", NOTE, headers={}).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert _upload(client, "a.txt", NOTE, headers=wrong).status_code == 401
    assert client.delete("/api/articles/a", headers=wrong).status_code == 401
    assert read.articles(graph) == []
    token = (graph.settings.data_path / TOKEN_FILE).read_text().strip()
    ok = _upload(client, "a.txt", NOTE, headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 201


# ---------------------------------------------------------------- uploads

def test_upload_adds_replaces_and_skips(app, graph):
    client = app.test_client()
    added = _upload(client, "Ketamine Note.txt", NOTE)
    assert added.status_code == 201
    body = added.get_json()
    assert body["status"] == "added" and body["article"] == "ketamine-note"
    assert body["url"] == "/article/ketamine-note"
    assert [c.object.label for c in read.claims(graph, "ketamine-note")] == ["nausea"]
    same = _upload(client, "Ketamine Note.txt", NOTE)
    assert same.status_code == 200 and same.get_json()["status"] == "unchanged"
    changed = _upload(client, "Ketamine Note.txt", NOTE.replace(b"nausea", b"dizziness"))
    assert changed.get_json()["status"] == "replaced"
    assert [c.object.label for c in read.claims(graph, "ketamine-note")] == ["dizziness"]
    page = client.get("/article/ketamine-note").get_data(as_text=True)
    assert "This article was replaced" in page
    assert client.get("/search?q=dizziness").status_code == 200
    assert graph.search.search("dizziness").total >= 1


def test_upload_json_article(app, graph):
    article = {"id": "json-note", "title": "A JSON note", "date": "2024-05-01",
               "url": "https://example.org/note", "text": NOTE.decode()}
    response = app.test_client().post("/api/articles", headers=AUTH, json=article)
    assert response.status_code == 201, response.get_json()
    summary = next(a for a in read.articles(graph) if a.id == "json-note")
    assert summary.title == "A JSON note" and summary.date == "2024-05-01"
    bad = app.test_client().post("/api/articles", headers=AUTH, json={"title": "no text"})
    assert bad.status_code == 400


def test_upload_of_many_files_takes_the_batch_path(app, graph):
    """Several files in one request: each gets its own result, in order; new
    articles are added (the batch path), a changed one replaced, a second
    file with the same id and a bad type refused alone; the index has them."""
    import io

    client = app.test_client()
    assert _upload(client, "old.txt", NOTE).status_code == 201
    files = [(io.BytesIO(b"Sertraline note\n\nSertraline can cause nausea.\n"), "a.txt"),
             (io.BytesIO(NOTE.replace(b"nausea", b"dizziness")), "old.txt"),
             (io.BytesIO(b"# B\n\nLithium can cause tremor.\n"), "b.md"),
             (io.BytesIO(b"Lithium can cause thirst.\n"), "b.txt"),
             (io.BytesIO(NOTE), "c.exe")]
    response = client.post("/api/articles", headers=AUTH, data={"file": files},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["articles"]
    assert [(r["file"], r["status"]) for r in results] == [
        ("a.txt", "added"), ("old.txt", "replaced"), ("b.md", "added"), ("b.txt", "failed"),
        ("c.exe", "failed")]
    assert "already used" in results[3]["message"] and "uploads" not in results[3]["message"]
    assert results[0]["url"] == "/article/a" and results[0]["claims"] == 1
    assert sorted(a.id for a in read.articles(graph)) == ["a", "b", "old"]
    assert [c.object.label for c in read.claims(graph, "old")] == ["dizziness"]
    assert graph.search.search("tremor").total >= 1 and graph.search.check() == []
    assert list((graph.settings.data_path / "uploads").iterdir()) == []


def test_upload_names_cannot_point_anywhere(app, graph, tmp_path):
    """The client's file name gives the article id only: the file is written
    to a fresh folder inside the data folder and removed after ingest."""
    names = ["../../../escape.txt", "/etc/cron.d/escape.txt", "..\\..\\escape.txt",
             "sub/dir/escape.txt"]
    data = graph.settings.data_path
    for number, name in enumerate(names):
        before = {p for p in tmp_path.parent.rglob("*") if p.is_file()}
        text = NOTE + f"Version {number}.\n".encode()
        response = _upload(app.test_client(), name, text)
        assert response.status_code in (200, 201), (name, response.get_json())
        assert response.get_json()["article"] == "escape"
        created = {p for p in tmp_path.parent.rglob("*") if p.is_file()} - before
        assert all(data in p.parents for p in created), (name, created)
        assert not any(p.name == "escape.txt" for p in created)
        assert list((data / "uploads").iterdir()) == []


def test_upload_errors_write_nothing(app, graph):
    client = app.test_client()
    assert _upload(client, "notes.exe", NOTE).status_code == 400
    assert _upload(client, ".txt", NOTE).status_code in (400, 422)
    failed = _upload(client, "empty.txt", b"")
    assert failed.status_code == 422
    assert failed.get_json()["message"] == "file is empty"
    assert str(graph.settings.data_path) not in failed.get_json()["message"]
    binary = _upload(client, "binary.txt", b"\x00\x01\x02" * 100)
    assert binary.status_code == 422
    assert client.post("/api/articles", headers=AUTH, data=b"x",
                       content_type="text/plain").status_code == 400
    assert read.articles(graph) == []
    assert list((graph.settings.data_path / "uploads").iterdir()) == []


def test_upload_size_limit(app, live_server, graph):
    """Over 5 MB (what the readers accept) is refused before it is read.
    Sent over real HTTP: Flask's test client leaves a large body's temporary
    file open."""
    import urllib.error
    import urllib.request

    server = live_server(app)
    big = b"Ketamine.\n" * (600 * 1024)
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n"
            b"\r\n" + big + b"\r\n--b--\r\n")
    request = urllib.request.Request(server.url + "/api/articles", data=body, method="POST",
                                     headers={**AUTH, "Content-Type":
                                              "multipart/form-data; boundary=b"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    refused.value.close()
    assert read.articles(graph) == []


def test_delete(app, graph):
    client = app.test_client()
    _upload(client, "gone.txt", NOTE)
    response = client.delete("/api/articles/gone", headers=AUTH)
    assert response.status_code == 200 and response.get_json()["status"] == "deleted"
    assert read.articles(graph) == []
    assert client.get("/article/gone").status_code == 404
    assert client.delete("/api/articles/gone", headers=AUTH).status_code == 404


def test_readers_never_see_half_an_article(app, graph, tmp_path):
    """While one thread replaces an article back and forth through the API,
    readers only ever see one whole version: its claims match its text."""
    client = app.test_client()
    versions = [NOTE, b"Ketamine note\n\nKetamine can cause dizziness. Ketamine can cause"
                      b" vomiting.\n"]
    _upload(client, "flip.txt", versions[0])
    wanted = {("nausea",), ("dizziness", "vomiting")}
    stop = threading.Event()
    seen, errors = set(), []

    def read_loop():
        reader = app.test_client()
        while not stop.is_set():
            data = reader.get("/api/article/flip").get_json()
            objects = tuple(sorted(c["object"]["label"] for c in data["claims"]))
            seen.add(objects)
            for c in data["claims"]:
                if data["text"][c["start"]:c["end"]] != c["evidence"]:
                    errors.append(c)

    threads = [threading.Thread(target=read_loop) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(12):
        assert _upload(client, "flip.txt", versions[(i + 1) % 2]).status_code == 200
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert errors == [] and seen <= wanted and seen


# ------------------------------------------------------------ the CLI

@pytest.fixture
def served(app, live_server):
    return live_server(app)


def test_kg_ingest_and_delete_through_the_server(served, graph, tmp_path):
    """`kg ingest --server URL` posts each file; the server holds the store,
    so the command never opens it.  The token comes from the data folder."""
    data = graph.settings.data_path
    (data / TOKEN_FILE).write_text(TOKEN + "\n")
    os.chmod(data / TOKEN_FILE, 0o600)
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(seed_article().read_bytes())
    (folder / "note.md").write_bytes(NOTE)
    (folder / "empty.txt").write_bytes(b"")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "note.txt").write_bytes(b"Another note\n\nAspirin can cause "
                                                      b"stomach bleeding.\n")
    runner = CliRunner()
    result = runner.invoke(main, ["--data-dir", str(data), "ingest", "--server", served.url,
                                  "-q", str(folder), str(tmp_path / "elsewhere" / "note.txt")])
    # empty.txt failed and the second "note" was refused; the others went in
    assert result.exit_code == 1, result.output
    assert "2 added, 0 replaced, 0 unchanged, 2 failed" in result.output
    assert "empty.txt" in result.output
    assert "article id 'note' is already used by" in result.output
    assert {a.id for a in read.articles(graph)} == {"seed", "note"}
    assert "aspirin" not in {c.subject.label for c in read.claims(graph, "note")}
    again = runner.invoke(main, ["--data-dir", str(data), "ingest", "--server", served.url,
                                 "-q", str(folder / "note.md")])
    assert again.exit_code == 0 and "1 unchanged" in again.output
    gone = runner.invoke(main, ["--data-dir", str(data), "delete", "note", "--server",
                                served.url])
    assert gone.exit_code == 0 and {a.id for a in read.articles(graph)} == {"seed"}


def test_kg_ingest_server_errors_are_one_line(served, tmp_path):
    note = tmp_path / "note.txt"
    note.write_bytes(NOTE)
    runner = CliRunner()
    missing = runner.invoke(main, ["--data-dir", str(tmp_path / "none"), "ingest", "--server",
                                   served.url, str(note)])
    assert missing.exit_code == 1 and "no admin token" in missing.output
    wrong = runner.invoke(main, ["ingest", "--server", served.url, "--token", "wrong",
                                 str(note)])
    assert wrong.exit_code == 1 and "refused the token (401)" in wrong.output
    down = runner.invoke(main, ["ingest", "--server", "http://127.0.0.1:9", "--token", TOKEN,
                                str(note)])
    assert down.exit_code == 1 and "cannot reach" in down.output
    assert "Traceback" not in wrong.output + down.output + missing.output
