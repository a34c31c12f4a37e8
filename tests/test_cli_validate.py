"""``fimrepair validate``: re-scoring a candidates file, and kill + resume without validating a
candidate twice."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ASSUME_NONE, JAVA_SKIP_REASON, LITERAL_1, LITERAL_2, java_available, with_body, write_minibench

from fimrepair.bugs import extract_bugs
from fimrepair.config import ValidationSpec
from fimrepair.validate.candidates import normalise_rows

needs_java = pytest.mark.skipif(not java_available(), reason=JAVA_SKIP_REASON)


def _cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "fimrepair.cli", "validate", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _stats(stderr: str) -> tuple[int, int]:
    m = re.search(r"\((\d+) distinct: (\d+) cached, (\d+) validated\)", stderr)
    assert m, stderr
    return int(m.group(2)), int(m.group(3))


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_normalise_rows_defaults() -> None:
    rows = normalise_rows(
        [{"bug_id": "ADD", "candidates": ["a", {"function": "b", "rank": 7}, {"function": None}]}], "tool", "bench"
    )
    assert rows == [
        {
            "bug_id": "ADD",
            "model": "tool",
            "benchmark": "bench",
            "candidates": [{"function": "a", "rank": 0}, {"function": "b", "rank": 7}, {"function": "", "rank": 2}],
        }
    ]
    with pytest.raises(ValueError, match="row 1"):
        normalise_rows([{"candidates": []}], "t", "b")


@needs_java
def test_validate_a_foreign_candidates_file(tmp_path: Path) -> None:
    root = write_minibench(tmp_path / "bench")
    bugs = {b.bug_id: b for b in extract_bugs(root, "humaneval-java")}
    cands = tmp_path / "othertool.jsonl"
    cands.write_text(
        json.dumps(
            {"bug_id": "ADD", "candidates": [bugs["ADD"].fixed_function, bugs["ADD"].buggy_function, "int broken("]}
        )
        + "\n"
        + json.dumps(
            {"bug_id": "NEG", "model": "m2", "candidates": [{"rank": 3, "function": bugs["NEG"].fixed_function}]}
        )
        + "\n"
    )
    out = tmp_path / "out" / "verdicts.jsonl"
    proc = _cli(
        "--benchmark-root", str(root), "--candidates", str(cands), "--out", str(out), "--cache", str(tmp_path / "cache")
    )
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    rows = _read(out)
    assert [(r["model"], r["bug_id"], r["rank"], r["status"]) for r in rows] == [
        ("othertool", "ADD", 0, "plausible"), ("othertool", "ADD", 1, "failing"), ("othertool", "ADD", 2, "uncompilable"), ("m2", "NEG", 3, "plausible"),
    ]  # fmt: skip
    assert rows[0]["exact_match"] and rows[0]["ast_match"] and not rows[1]["exact_match"]
    assert _stats(err) == (0, 4)
    # Same file, fresh engine: same verdicts.
    out2 = tmp_path / "fresh.jsonl"
    proc = _cli("--benchmark-root", str(root), "--candidates", str(cands), "--out", str(out2), "--engine", "fresh")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert [r["status"] for r in _read(out2)] == [r["status"] for r in rows]


@needs_java
def test_literals_assumptions_and_limits_decide_verdicts(tmp_path: Path) -> None:
    """Two candidates that differ only inside a string literal get their own verdicts; an
    assumption-skipped candidate is not plausible; a verdict cached under a 1 s limit is not
    reused under a 30 s one."""
    root = write_minibench(tmp_path / "bench")
    add = {b.bug_id: b for b in extract_bugs(root, "humaneval-java")}["ADD"]
    sleepy = with_body(
        add, "        try { Thread.sleep(2000); } catch (InterruptedException e) { }\n        return x + y;"
    )
    cands = tmp_path / "c.jsonl"
    cands.write_text(
        json.dumps(
            {
                "bug_id": "ADD",
                "candidates": [
                    with_body(add, LITERAL_2),
                    with_body(add, LITERAL_1),
                    with_body(add, ASSUME_NONE),
                    sleepy,
                ],
            }
        )
        + "\n"
    )
    out = tmp_path / "v.jsonl"
    args = [
        "--benchmark-root",
        str(root),
        "--candidates",
        str(cands),
        "--out",
        str(out),
        "--cache",
        str(tmp_path / "cache"),
        "--workers",
        "1",
    ]
    for limit, last in (("1", "timeout"), ("30", "plausible")):
        proc = _cli(*args, "--per-candidate-timeout", limit)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        rows = _read(out)
        # the third calls org.junit.Assume: the bytecode policy rejects it before any test runs
        assert [r["status"] for r in rows] == ["plausible", "failing", "rejected", last]
        assert [r["duplicate_of"] for r in rows] == [None] * 4
        assert rows[2]["failing_test"] is None and "org.junit.Assume" in rows[2]["message"]
        assert _stats(err) == (0, 4)


@needs_java
def test_unknown_bug_is_an_error(tmp_path: Path) -> None:
    root = write_minibench(tmp_path / "bench")
    cands = tmp_path / "c.jsonl"
    cands.write_text(json.dumps({"bug_id": "NOPE", "candidates": ["x"]}) + "\n")
    proc = _cli("--benchmark-root", str(root), "--candidates", str(cands), "--out", str(tmp_path / "o.jsonl"))
    _, err = proc.communicate(timeout=300)
    # NOPE is filtered out of the bugs to load, then named by the driver.
    assert proc.returncode == 2 and "NOPE" in err


@needs_java
def test_kill_and_resume(tmp_path: Path) -> None:
    """SIGKILL the command mid-run, run it again: nothing decided is validated again, and the
    result equals an uninterrupted run (all columns but the measured timings; a third run, all
    from the cache, is byte-identical to the resumed one)."""
    root = write_minibench(tmp_path / "bench")
    bugs = {b.bug_id: b for b in extract_bugs(root, "humaneval-java")}
    spin = bugs["SPIN"]
    # 12 distinct SPIN candidates that each spin into their 500 ms JUnit timeout, plus quick ones.
    slow = [
        with_body(spin, f"        int r = {k};\n        for (int i = 0; i < 2; i = i * 1) r += x;\n        return r;")
        for k in range(12)
    ]
    rows = [
        {"bug_id": "SPIN", "candidates": slow + [spin.fixed_function]},
        {
            "bug_id": "ADD",
            "candidates": [bugs["ADD"].fixed_function, bugs["ADD"].buggy_function, bugs["ADD"].fixed_function],
        },
    ]
    cands = tmp_path / "cands.jsonl"
    cands.write_text("".join(json.dumps(r) + "\n" for r in rows))
    total = 15  # distinct candidates

    cache = tmp_path / "cache"
    out = tmp_path / "resumed.jsonl"
    args = [
        "--benchmark-root",
        str(root),
        "--candidates",
        str(cands),
        "--out",
        str(out),
        "--cache",
        str(cache),
        "--workers",
        "1",
    ]
    proc = _cli(*args, start_new_session=True)
    deadline = time.monotonic() + 240
    while len(list(cache.glob("*/*.json"))) < 3:
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert not out.exists()
    done = len(list(cache.glob("*/*.json")))
    assert 3 <= done < total

    proc = _cli(*args)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    cached, validated = _stats(err)
    assert cached >= done and cached + validated == total  # nothing validated twice
    resumed = out.read_text()

    proc = _cli(*args)
    _, err = proc.communicate(timeout=300)
    assert _stats(err) == (total, 0)
    assert out.read_text() == resumed

    straight = tmp_path / "straight.jsonl"
    proc = _cli(
        "--benchmark-root",
        str(root),
        "--candidates",
        str(cands),
        "--out",
        str(straight),
        "--cache",
        str(tmp_path / "cache2"),
    )
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    strip = lambda rs: [{k: v for k, v in r.items() if k not in ("compile_s", "test_s")} for r in rs]  # noqa: E731
    assert strip(_read(straight)) == strip(_read(out))
    statuses = [r["status"] for r in _read(out)]
    # the 12 looping SPIN candidates hit their JUnit timeout: timeouts
    assert statuses.count("timeout") == 12 and statuses.count("failing") == 1 and statuses.count("plausible") == 3


@needs_java
def test_the_command_and_the_stage_are_one_way_in(tmp_path: Path) -> None:
    """``fimrepair validate`` and the workflow's validate stage (steps.validate) on the same files:
    the same verdicts, and the stage finds every verdict in the cache the command filled (the
    same validator settings, so the same cache keys); the stage's file holds them without the
    measured times, which go to its timings table."""
    from fimrepair.io import read_tsv, write_jsonl
    from fimrepair.stages.validate import validate

    root = write_minibench(tmp_path / "bench")
    extracted = extract_bugs(root, "humaneval-java")
    bugs = tmp_path / "bugs.jsonl"
    write_jsonl(bugs, [b.to_dict() for b in extracted])
    by_id = {b.bug_id: b for b in extracted}
    cands = tmp_path / "candidates.jsonl"
    rows = [
        {"model": "m", "benchmark": "humaneval-java", "bug_id": "ADD", "candidates": [
            {"rank": 0, "function": by_id["ADD"].fixed_function}, {"rank": 1, "function": by_id["ADD"].buggy_function},
        ]},
        {"model": "m", "benchmark": "humaneval-java", "bug_id": "NEG", "candidates": [{"rank": 0, "function": "int broken("}]},
    ]  # fmt: skip
    write_jsonl(cands, rows)
    cache = tmp_path / "cache"
    out = tmp_path / "cli.jsonl"
    args = ["--benchmark-root", str(root), "--candidates", str(cands), "--bugs", str(bugs), "--cache", str(cache)]
    proc = _cli(*args, "--out", str(out), "--workers", "1", "--per-candidate-timeout", "30")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert _stats(err) == (0, 3)
    stage_out, timings = tmp_path / "stage.jsonl", tmp_path / "timings.tsv"
    validate(
        bugs,
        cands,
        root,
        stage_out,
        out_timings=timings,
        per_candidate_timeout_s=30,
        compile_grace_s=ValidationSpec().compile_grace_s,
        workers=1,
        cache_dir=cache,
    )
    measured = ("compile_s", "test_s")
    cli_rows = _read(out)
    assert [r["status"] for r in cli_rows] == ["plausible", "failing", "uncompilable"]
    assert _read(stage_out) == [{k: v for k, v in r.items() if k not in measured} for r in cli_rows]
    key = ("model", "bug_id", "rank")
    assert [[t[k] for k in (*key, *measured)] for t in read_tsv(timings)] == [
        [r[k] for k in key] + [r[k] if r[k] is not None else "" for k in measured] for r in cli_rows
    ]
    assert len(list(cache.glob("*/*.json"))) == 3  # the stage validated nothing anew
