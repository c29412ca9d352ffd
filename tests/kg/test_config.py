"""Settings come from KG_* variables and flags, and bad values say which."""
from __future__ import annotations

import pytest

from kg.config import SETTINGS, load_settings
from kg.errors import ConfigError


def test_defaults_match_the_documented_contract():
    settings = load_settings({})
    assert (settings.data_dir, settings.store, settings.base_iri) == \
        ("./data", "embedded", "http://localhost:8000/")


def test_environment_then_flags():
    env = {"KG_STORE": "memory", "KG_BASE_IRI": "https://kg.example.org"}
    settings = load_settings(env, data_dir="/tmp/x")
    assert settings.store == "memory"
    assert settings.base_iri == "https://kg.example.org/"
    assert settings.data_dir == "/tmp/x"


@pytest.mark.parametrize("env,name", [({"KG_STORE": "mongo"}, "KG_STORE"),
                                      ({"KG_BASE_IRI": "not an iri"}, "KG_BASE_IRI"),
                                      ({"KG_QUERY_TIMEOUT": "-1"}, "KG_QUERY_TIMEOUT"),
                                      ({"KG_QUERY_WORKERS": "0"}, "KG_QUERY_WORKERS"),
                                      ({"KG_QUERY_MEMORY": "2 GB"}, "KG_QUERY_MEMORY"),
                                      ({"KG_LONG_QUERIES": "3"}, "KG_LONG_QUERIES")])
def test_bad_values_name_the_variable(env, name):
    with pytest.raises(ConfigError, match=name):
        load_settings(env)


def test_sparql_store_needs_an_endpoint():
    with pytest.raises(ConfigError, match="KG_SPARQL_QUERY"):
        load_settings({"KG_STORE": "sparql"})


def test_every_setting_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert [row.env for row in SETTINGS if row.env not in readme] == []
