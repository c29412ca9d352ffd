"""`kg serve` says when the IRIs it shows will not resolve on it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from webapp.commands import base_iri_warning

from ..conftest import interruptible


@pytest.mark.parametrize("base, host, port, problem", [
    ("http://localhost:8000/", "127.0.0.1", 8000, None),
    ("http://127.0.0.1:8000/", "localhost", 8000, None),
    ("https://kg.example.org/", "kg.example.org", 443, None),
    ("http://localhost:8000/", "127.0.0.1", 8080, "port 8080"),
    ("https://kg.example.org/", "0.0.0.0", 443, None),
    ("http://localhost:8000/", "0.0.0.0", 8000, "every interface (0.0.0.0)"),
    ("http://kg.example.org:8000/", "10.0.0.5", 8000, "10.0.0.5"),
])
def test_base_iri_warning(base, host, port, problem):
    warning = base_iri_warning(base, host, port)
    if problem is None:
        assert warning is None
    else:
        assert warning is not None and problem in warning and base in warning
        assert "KG_BASE_IRI" in warning


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_log(tmp_path: Path, port: int, base: str) -> str:
    """What `kg serve` writes to stderr until it is serving, then Ctrl-C."""
    kg = Path(sys.executable).parent / "kg"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(KG_BASE_IRI=base, KG_STORE="memory")
    lines = []
    deadline = time.monotonic() + 60
    with subprocess.Popen([str(kg), "--data-dir", str(tmp_path / "data"), "serve", "--port",
                           str(port)], stderr=subprocess.PIPE, text=True, env=env,
                          preexec_fn=interruptible) as process:
        assert process.stderr is not None
        try:
            for line in process.stderr:
                lines.append(line)
                if line.startswith("Adding articles") or time.monotonic() > deadline:
                    break
        finally:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=30)
    return "".join(lines)


def test_serve_warns_only_when_the_base_iri_is_elsewhere(tmp_path):
    port = _free_port()
    log = _serve_log(tmp_path, port, f"http://localhost:{port + 1}/")
    assert "Serving on" in log
    assert f"kg: warning: KG_BASE_IRI is http://localhost:{port + 1}/" in log
    assert f"listens on port {port}" in log
    port = _free_port()
    log = _serve_log(tmp_path, port, f"http://localhost:{port}/")
    assert "Serving on" in log and "warning" not in log
