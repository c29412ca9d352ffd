"""The admin token's rules, which the server (`webapp.api`, `kg serve`) and
the client (`kg ingest --server`) both read from `kg.admin`."""
from __future__ import annotations

import stat

import pytest

from kg import KGError
from kg.admin import TOKEN_FILE, create_token, find_token, read_token, token_matches


@pytest.fixture(autouse=True)
def _no_env_token(monkeypatch):
    monkeypatch.delenv("KG_ADMIN_TOKEN", raising=False)


def test_given_beats_environment_beats_file(tmp_path, monkeypatch):
    """A token passed explicitly wins over KG_ADMIN_TOKEN, which wins over
    the file; each is stripped."""
    (tmp_path / TOKEN_FILE).write_text("from-file\n")
    assert find_token(tmp_path) == "from-file"
    monkeypatch.setenv("KG_ADMIN_TOKEN", " from-env ")
    assert find_token(tmp_path) == "from-env"
    assert find_token(tmp_path, " given ") == "given"
    assert read_token(tmp_path, "given") == "given"


def test_no_token_is_none_for_the_server_and_an_error_for_the_client(tmp_path):
    """Nothing configured: the server switches writes off (None) and the
    client stops with one line naming the file; an empty file counts as none."""
    assert find_token(tmp_path) is None
    (tmp_path / TOKEN_FILE).write_text("\n")
    assert find_token(tmp_path) is None
    with pytest.raises(KGError, match="no admin token: .*admin-token is missing"):
        read_token(tmp_path)


def test_the_client_reads_what_the_server_created(tmp_path):
    """`kg serve` creates a private file once; the client finds that token."""
    token = create_token(tmp_path / "data")
    assert stat.S_IMODE((tmp_path / "data" / TOKEN_FILE).stat().st_mode) == 0o600
    assert create_token(tmp_path / "data") == token
    assert read_token(tmp_path / "data") == token


def test_token_matches_only_the_whole_token():
    """A prefix, an extension or an empty token is refused; surrounding
    whitespace in the header is not."""
    assert token_matches("abc\t", "abc")
    assert not token_matches("ab", "abc")
    assert not token_matches("abcd", "abc")
    assert not token_matches("", "abc")
