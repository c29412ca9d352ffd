"""The `>>>` examples in docstrings are run, so they stay true."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import ingest
import kg


def _modules():
    for package in (kg, ingest):
        yield package.__name__
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            yield info.name


@pytest.mark.parametrize("name", sorted(_modules()))
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
