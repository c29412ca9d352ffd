"""Disk full, file too large and a read-only data folder:
a one-line error naming the problem, a non-zero exit, and the data written
before still intact and readable.

The tests run as root, where chmod stops nothing, so the faults are real
file systems: a small tmpfs filled to the brim, and a read-only bind mount
of the data folder.  Both are made inside a private mount namespace
(`unshare --mount`, or `unshare --map-root-user --mount` for a normal user)
that dies with the scenario, so no mount can outlive a test.  The scenario
(a few real `kg` commands) runs there from a driver script written into the
test's tmp folder; it reports what each command printed as JSON.  A third
test needs no privilege at all: RLIMIT_FSIZE makes the store's files "too
large" for the kernel.
"""
from __future__ import annotations

import json
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generator import write_corpus
from kg import KnowledgeGraph, Settings, tally
from kg.terms import DCTERMS

KG = [sys.executable, "-m", "kg.cli"]
MODIFIED = f"<{DCTERMS.modified}>"

#: Runs inside the mount namespace: argv = plan.json result.json.  The plan
#: lists mounts to make and kg commands to run; a "fill" step fills the
#: file system of a folder, leaving `leave` bytes free; "unfill" frees it.
DRIVER = r'''
import json, os, subprocess, sys
plan = json.load(open(sys.argv[1]))
results = []
for step in plan:
    if step[0] == "mount":
        subprocess.run(["mount", *step[1:]], check=True)
    elif step[0] == "fill":
        folder, leave = step[1], step[2]
        fd = os.open(os.path.join(folder, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
        block = b"\0" * 65536
        try:
            while os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize > leave + len(block):
                os.write(fd, block)
        finally:
            os.close(fd)
    elif step[0] == "unfill":
        os.remove(os.path.join(step[1], "filler"))
    elif step[0] == "copy":
        subprocess.run(["cp", "-a", step[1], step[2]], check=True)
    else:
        done = subprocess.run([sys.executable, "-m", "kg.cli", *step], capture_output=True,
                              text=True, timeout=300)
        results.append({"rc": done.returncode, "out": done.stdout, "err": done.stderr})
json.dump(results, open(sys.argv[2], "w"))
'''


def _namespace_prefix() -> list[str]:
    """How to start a process in a private mount namespace here."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("util-linux `unshare` is not installed; test_file_too_large covers writes")
    for prefix in ([unshare, "--mount", "--propagation", "private"],
                   [unshare, "--map-root-user", "--mount", "--propagation", "private"]):
        probe = subprocess.run(prefix + ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                                         "/mnt"], capture_output=True, check=False)
        if probe.returncode == 0:
            return prefix
    pytest.skip("neither root nor user namespaces may mount here: "
                + probe.stderr.decode(errors="replace").strip())


def _run_plan(tmp_path: Path, plan: list) -> list[dict]:
    driver, plan_file, result = (tmp_path / "driver.py", tmp_path / "plan.json",
                                 tmp_path / "result.json")
    driver.write_text(DRIVER, encoding="utf-8")
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    subprocess.run(_namespace_prefix() + [sys.executable, str(driver), str(plan_file),
                                          str(result)], check=True, timeout=900)
    return json.loads(result.read_text(encoding="utf-8"))


def _kg(data: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(KG + ["--data-dir", str(data), *args], capture_output=True,
                          text=True, timeout=600, check=False, **kwargs)


def _stable_dump(data: Path) -> str:
    """Sorted N-Quads of a data folder without the write times."""
    with KnowledgeGraph.open(Settings(data_dir=str(data)), write=False) as graph:
        assert graph.search.check() == []
        return "".join(line + "\n" for line in graph.store.dump_nquads().splitlines()
                       if MODIFIED not in line)


def _one_line_error(done: dict, *words: str) -> None:
    lines = done["err"].strip().splitlines()
    assert done["rc"] != 0, done
    assert len(lines) == 1 and lines[0].startswith("Error: "), done["err"]
    assert "Traceback" not in done["err"]
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """Two articles that go in first, and ten more for the faulty writes."""
    root = tmp_path_factory.mktemp("faults")
    paths = write_corpus(12, root / "all")
    first, more = root / "first", root / "more"
    first.mkdir()
    more.mkdir()
    for i, path in enumerate(paths):
        path.rename((first if i < 2 else more) / path.name)
    return {"first": first, "more": more, "root": root}


def test_disk_full_is_one_line_and_keeps_what_was_written(corpus, tmp_path):
    """On a 64 MB tmpfs filled to 1 MB of free space, an ingest of ten more
    articles stops with one line saying "No space left on device" and exit
    1; the two articles from before are still there, claim for claim, and
    readable while the disk is still full; once space is freed the same
    ingest completes and the folder equals a clean ingest of all twelve."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    data = str(mnt / "data")
    plan = [["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mnt)],
            ["--data-dir", data, "ingest", "-q", str(corpus["first"])],
            ["--data-dir", data, "claims"],
            ["fill", str(mnt), 1 << 20],
            ["--data-dir", data, "ingest", "-q", str(corpus["more"])],
            ["--data-dir", data, "claims"],
            ["--data-dir", data, "search", "sertraline", "--format", "json"],
            ["unfill", str(mnt)],
            ["--data-dir", data, "claims"],
            ["--data-dir", data, "ingest", "-q", str(corpus["more"])],
            ["copy", data, str(tmp_path / "after")]]
    first, before, full, while_full, search_full, after, again = _run_plan(tmp_path, plan)
    assert first["rc"] == 0 and before["rc"] == 0 and len(before["out"].splitlines()) > 20
    _one_line_error(full, "No space left on device")
    for read in (while_full, after):
        assert read["rc"] == 0, read["err"]
        kept = set(read["out"].splitlines())
        assert set(before["out"].splitlines()) <= kept
    assert search_full["rc"] == 0 and json.loads(search_full["out"])["total"] > 0
    assert again["rc"] == 0, again["err"]

    reference = tmp_path / "reference"
    assert _kg(reference, "ingest", "-q", str(corpus["first"])).returncode == 0
    assert _kg(reference, "ingest", "-q", str(corpus["more"])).returncode == 0
    assert _stable_dump(tmp_path / "after") == _stable_dump(reference)


def test_read_only_data_folder_refuses_writes_and_still_reads(corpus, tmp_path):
    """With the data folder mounted read-only, `kg ingest` and `kg delete`
    stop with one line saying the folder is read-only (exit 1); `kg claims`
    and `kg search` still answer from it; afterwards the store's N-Quads
    dump is exactly what it was."""
    data = tmp_path / "data"
    assert _kg(data, "ingest", "-q", str(corpus["first"])).returncode == 0
    dump = _stable_dump(data)
    some = min(corpus["first"].iterdir()).stem
    plan = [["mount", "--bind", str(data), str(data)],
            ["mount", "-o", "remount,bind,ro", str(data)],
            ["--data-dir", str(data), "ingest", "-q", str(corpus["more"])],
            ["--data-dir", str(data), "delete", some],
            ["--data-dir", str(data), "claims", "--article", some],
            ["--data-dir", str(data), "search", "sertraline", "--format", "json"]]
    ingest, delete, claims, search = _run_plan(tmp_path, plan)
    _one_line_error(ingest, "read-only", str(data))
    _one_line_error(delete, "read-only", str(data))
    assert claims["rc"] == 0 and len(claims["out"].splitlines()) > 10, claims["err"]
    assert search["rc"] == 0 and json.loads(search["out"])["total"] > 0, search["err"]
    assert _stable_dump(data) == dump


def _limit_file_size(limit: int):
    def apply() -> None:
        # The kernel sends SIGXFSZ (default: kill) at the limit; ignored, the
        # write fails with EFBIG instead, as it would on a full quota.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_file_too_large_is_one_line_and_keeps_what_was_written(corpus, tmp_path):
    """With RLIMIT_FSIZE at 256 KB (no privilege needed), an ingest stops
    with one line saying "File too large" and exit 1, and the two articles
    ingested before are unchanged once the next writer has opened the
    store (it undoes a batch the error cut short, and recounts a tally the
    stopped ingest was still holding counts for)."""
    data = tmp_path / "data"
    assert _kg(data, "ingest", "-q", str(corpus["first"])).returncode == 0
    before = _stable_dump(data)
    done = _kg(data, "ingest", "-q", str(corpus["more"]), preexec_fn=_limit_file_size(256_000))
    _one_line_error({"rc": done.returncode, "err": done.stderr}, "File too large")
    with KnowledgeGraph.open(Settings(data_dir=str(data))) as graph:
        dump = graph.store.dump_nquads()
        assert not tally.ensure(graph)  # the open recounted it, if that was needed
        counts = f"<{tally.tally_graph(graph)}> ."
        # The tally counts every whole article, a batch that landed before
        # the error included: a recount from scratch finds the same.
        kept_tally = {line for line in dump.splitlines() if line.endswith(counts)}
        tally.rebuild(graph)
        assert {line for line in graph.store.dump_nquads().splitlines()
                if line.endswith(counts)} == kept_tally
    kept = [line for line in before.splitlines() if line and not line.endswith(counts)]
    assert set(kept) <= set(dump.splitlines())
