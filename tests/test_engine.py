"""The persistent validation engine on the tiny hand-written benchmark of test_validate: same
verdicts as the fresh validator, the test-bytes cache, the result cache and resumability."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from conftest import JAVA_SKIP_REASON, check_the_plausible_rule, java_available, with_body

from fimrepair.bugs import Bug
from fimrepair.validate import Engine, Status, VerdictCache, sandbox, validate_candidates
from fimrepair.validate import engine as engine_module
from fimrepair.validate.cache import bug_version, cache_key

pytestmark = pytest.mark.skipif(not java_available(), reason=JAVA_SKIP_REASON)


@pytest.fixture(scope="module")
def engine(minibench):
    with Engine(minibench[0], workers=2, per_candidate_timeout_s=10, compile_grace_s=30) as eng:
        yield eng


def test_oracle_plausible_identity_not(engine: Engine, minibench) -> None:
    _, bugs = minibench
    for bug in bugs.values():
        ok = engine.validate(bug, bug.fixed_function)
        assert ok.status is Status.PLAUSIBLE, (bug.bug_id, ok)
        assert ok.compile_s > 0 and ok.test_s > 0
        bad = engine.validate(bug, bug.buggy_function)
        # SPIN's buggy version loops into its JUnit @Test(timeout=500): a timeout
        assert bad.status is (Status.TIMEOUT if bug.bug_id == "SPIN" else Status.FAILING), (bug.bug_id, bad)
        assert bad.failing_test and bad.failing_test.startswith(f"TEST_{bug.bug_id}.")


def test_first_failure_in_name_order(engine: Engine, minibench) -> None:
    _, bugs = minibench
    v = engine.validate(bugs["CLAMP"], with_body(bugs["CLAMP"], "        return x;"))
    assert v.status is Status.FAILING and v.failing_test == "TEST_CLAMP.test_a"
    v = engine.validate(bugs["CLAMP"], bugs["CLAMP"].buggy_function)
    assert v.status is Status.FAILING and v.failing_test == "TEST_CLAMP.test_b"
    assert "expected:<5> but was:<7>" in (v.message or "")


def test_compile_errors_name_the_file(engine: Engine, minibench) -> None:
    _, bugs = minibench
    add = bugs["ADD"]
    for _ in range(2):  # first with the combined compile, then with cached test bytes
        v = engine.validate(add, with_body(add, "        return x + ;"))
        assert v.status is Status.UNCOMPILABLE and "ADD.java" in (v.message or "") and "error:" in (v.message or "")
        assert v.test_s == 0.0
    assert engine.validate(add, with_body(add, '        return "x";')).status is Status.UNCOMPILABLE
    assert engine.validate(add, "  ").status is Status.UNCOMPILABLE


def test_signature_changes_recompile_the_test(engine: Engine, minibench) -> None:
    """Cached test bytes are keyed by the candidate's API: a renamed method, a widened
    parameter, an added checked exception are judged as javac on both files would."""
    _, bugs = minibench
    add = bugs["ADD"]
    assert engine.validate(add, add.fixed_function).status is Status.PLAUSIBLE  # caches the test bytes
    renamed = add.fixed_function.replace("add(", "plus(")
    v = engine.validate(add, renamed)
    assert v.status is Status.UNCOMPILABLE and "TEST_ADD.java" in (v.message or ""), v
    widened = add.fixed_function.replace("int x, int y", "long x, long y").replace(
        "return x + y;", "return (int) (x + y);"
    )
    assert engine.validate(add, widened).status is Status.PLAUSIBLE  # test recompiled: add(JJ)I
    throwing = add.fixed_function.replace("int y)", "int y) throws java.io.IOException")
    assert engine.validate(add, throwing).status is Status.PLAUSIBLE  # TEST methods declare throws Exception
    helper = add.fixed_function.replace(
        "return x + y;", "java.util.function.IntBinaryOperator f = (a, b) -> a + b;\n        return f.applyAsInt(x, y);"
    )
    assert engine.validate(add, helper).status is Status.PLAUSIBLE  # a lambda adds only synthetic members
    assert engine.validate(add, add.fixed_function).status is Status.PLAUSIBLE


def test_static_state_is_fresh_per_candidate(engine: Engine, minibench) -> None:
    _, bugs = minibench
    neg = bugs["NEG"]
    # Passes only on its first call in a class loader: a shared loader would fail the second time.
    once = "    static int calls = 0;\n" + neg.fixed_function.replace("return -x;", "return calls++ == 0 ? -x : 0;")
    for _ in range(3):
        assert engine.validate(neg, once).status is Status.PLAUSIBLE


def test_concurrent_callers_share_the_pool(engine: Engine, minibench) -> None:
    _, bugs = minibench
    results: list[Status] = []
    lock = threading.Lock()

    def go(bug: Bug, fn: str) -> None:
        v = engine.validate(bug, fn)
        with lock:
            results.append(v.status)

    threads = [
        threading.Thread(target=go, args=(bugs[b], bugs[b].fixed_function)) for b in ("ADD", "NEG", "ABS", "CLAMP") * 2
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [Status.PLAUSIBLE] * 8


def _rows(bugs: dict[str, Bug]) -> list[dict]:
    rows = []
    for b in bugs.values():
        fns = [b.fixed_function, b.buggy_function, b.fixed_function + "\n// same\n", with_body(b, "        return ;")]
        rows.append(
            {
                "model": "m",
                "benchmark": b.benchmark,
                "bug_id": b.bug_id,
                "candidates": [{"rank": i, "function": f} for i, f in enumerate(fns)],
            }
        )
    return rows


def test_cache_resume_is_identical_and_validates_nothing_twice(engine: Engine, minibench, tmp_path: Path) -> None:
    root, bugs = minibench
    rows = _rows({k: v for k, v in bugs.items() if k != "SPIN"})
    cache = VerdictCache(tmp_path / "cache")

    class Interrupting:
        """Validates 4 candidates, then dies like a killed job."""

        benchmark_root = root
        verdict_settings = engine.verdict_settings

        def __init__(self) -> None:
            self.n = 0
            self.lock = threading.Lock()

        def validate(self, bug: Bug, function: str):
            with self.lock:
                self.n += 1
                if self.n > 4:
                    raise KeyboardInterrupt
            return engine.validate(bug, function)

    with pytest.raises((KeyboardInterrupt, RuntimeError)):
        validate_candidates(list(bugs.values()), rows, Interrupting(), workers=1, progress=False, cache=cache)
    assert len(cache) == 4
    stats: dict[str, int] = {}
    resumed = validate_candidates(
        list(bugs.values()), rows, engine, workers=2, progress=False, cache=cache, stats=stats
    )
    assert stats == {"tasks": 12, "cached": 4, "validated": 8}
    stats2: dict[str, int] = {}
    again = validate_candidates(list(bugs.values()), rows, engine, workers=2, progress=False, cache=cache, stats=stats2)
    assert stats2 == {"tasks": 12, "cached": 12, "validated": 0}
    assert again == resumed  # byte-identical rows, timings included (read from the cache)

    fresh_run = validate_candidates(list(bugs.values()), rows, engine, workers=2, progress=False)
    strip = lambda rs: [{k: v for k, v in r.items() if k not in ("compile_s", "test_s")} for r in rs]  # noqa: E731
    assert strip(fresh_run) == strip(resumed)  # an uninterrupted run: same verdicts, only timings differ
    assert [r["duplicate_of"] for r in resumed if r["bug_id"] == "ADD"] == [None, None, 0, None]


def test_cache_key_depends_on_benchmark_version(minibench, tmp_path: Path) -> None:
    """The benchmark version covers the buggy class, the tests and their per-test limits."""
    root, bugs = minibench
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    add, spin = bugs["ADD"], bugs["SPIN"]
    v1 = bug_version(root, add)
    assert bug_version(copy, add) == v1
    test = copy / "src/test/java/humaneval/TEST_ADD.java"
    test.write_text(test.read_text() + "\n// changed\n")
    assert bug_version(copy, add) != v1
    # The per-test limit: SPIN's @Test(timeout = 500) raised to 5000.
    spin_test = copy / "src/test/java/humaneval/TEST_SPIN.java"
    assert "timeout = 500)" in spin_test.read_text()
    before = bug_version(copy, spin)
    spin_test.write_text(spin_test.read_text().replace("timeout = 500)", "timeout = 5000)"))
    assert bug_version(copy, spin) != before
    buggy = copy / "src/main/java/humaneval/buggy/ADD.java"
    changed = bug_version(copy, add)
    buggy.write_text(buggy.read_text().replace("/* add two numbers */", "/* add */"))
    assert bug_version(copy, add) != changed
    settings = {"engine": "e"}
    assert (
        cache_key(v1, "ADD", "a", settings)
        != cache_key(v1, "ADD", "b", settings)
        != cache_key(v1, "NEG", "b", settings)
    )
    assert cache_key(v1, "ADD", "a", settings) != cache_key(v1, "ADD", "a", {"engine": "f"})


class _Unstarted(Engine):
    """An Engine whose workers are never started: only its verdict settings are looked at."""

    def _spawn(self):  # type: ignore[override]
        return None

    def close(self) -> None:
        self._closed = True


BASE = {"per_candidate_timeout_s": 10.0, "compile_grace_s": 30.0}
VARIANTS = {
    "per_candidate_timeout_s": {"per_candidate_timeout_s": 30.0},
    "compile_grace_s": {"compile_grace_s": 60.0},
    "heap_mb": {"heap_mb": 256},
    "jvm_options": {"jvm_options": ()},
    "java_level": {"java_level": 11},
    "jars": {"jars": [Path("/usr/share/java/junit4.jar")]},
    "sandbox": {"sandbox": "none"},
    "default_test_timeout_ms": {"default_test_timeout_ms": 3000},
    "bytecode_policy": {"bytecode_policy": False},
}


@pytest.mark.parametrize("component", sorted(VARIANTS))
def test_every_engine_setting_is_in_the_cache_key(minibench, component: str) -> None:
    root, _ = minibench
    if component == "sandbox" and sandbox.probe("auto") == "none":
        pytest.skip("needs a sandbox level above 'none' here (root and util-linux unshare) to vary it")
    a = _Unstarted(root, **BASE).verdict_settings()
    b = _Unstarted(root, **{**BASE, **VARIANTS[component]}).verdict_settings()
    assert {k for k in a if a[k] != b[k]} == {component}
    assert cache_key("v", "ADD", "f", a) != cache_key("v", "ADD", "f", b)


def test_engine_version_and_jdk_are_in_the_cache_key(minibench, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = minibench
    a = _Unstarted(root, **BASE).verdict_settings()
    monkeypatch.setattr(engine_module, "ENGINE_VERSION", "engine-next")
    b = _Unstarted(root, **BASE).verdict_settings()
    assert {k for k in a if a[k] != b[k]} == {"engine"} and b["engine"] == "engine-next"
    monkeypatch.setattr(engine_module, "jdk_version", lambda java, javac: "openjdk 99")
    c = _Unstarted(root, **BASE).verdict_settings()
    assert {k for k in b if b[k] != c[k]} == {"jdk"}


def test_cached_verdicts_are_not_reused_under_another_engine_version(
    engine: Engine, minibench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, bugs = minibench
    add = bugs["ADD"]
    rows = [
        {
            "model": "m",
            "benchmark": "tiny",
            "bug_id": "ADD",
            "candidates": [{"rank": 0, "function": add.fixed_function}],
        }
    ]
    cache = VerdictCache(tmp_path / "cache")
    for expected in ({"tasks": 1, "cached": 0, "validated": 1}, {"tasks": 1, "cached": 1, "validated": 0}):
        stats: dict[str, int] = {}
        validate_candidates([add], rows, engine, workers=1, progress=False, cache=cache, stats=stats)
        assert stats == expected
    monkeypatch.setattr(engine_module, "ENGINE_VERSION", "engine-next")
    stats = {}
    validate_candidates([add], rows, engine, workers=1, progress=False, cache=cache, stats=stats)
    assert stats == {"tasks": 1, "cached": 0, "validated": 1}


def test_a_cache_needs_the_validators_settings(minibench, tmp_path: Path) -> None:
    root, bugs = minibench

    class NoSettings:
        benchmark_root = root

        def validate(self, bug: Bug, function: str):
            raise AssertionError("not reached")

    rows = [{"model": "m", "benchmark": "tiny", "bug_id": "ADD", "candidates": [{"rank": 0, "function": "x"}]}]
    with pytest.raises(ValueError, match="verdict_settings"):
        validate_candidates(
            [bugs["ADD"]], rows, NoSettings(), workers=1, progress=False, cache=VerdictCache(tmp_path / "c")
        )


def test_java_level_is_applied(minibench) -> None:
    """``java_level`` compiles at that release: ``var`` (Java 10) is an error at level 8."""
    root, bugs = minibench
    add = bugs["ADD"]
    with_var = with_body(add, "        var s = x + y;\n        return s;")
    with Engine(root, workers=1, per_candidate_timeout_s=10, java_level=8) as old:
        v = old.validate(add, with_var)
        assert v.status is Status.UNCOMPILABLE and "var" in (v.message or ""), v
        assert old.validate(add, add.fixed_function).status is Status.PLAUSIBLE


# --- the verdict rule: at least one test ran, none skipped by an assumption -----------------------


def test_assumption_skips_and_no_test_run_are_not_plausible(minibench) -> None:
    # The candidates call org.junit.Assume, which the bytecode policy rejects: the rule is
    # tested below the policy.
    root, bugs = minibench
    with Engine(root, workers=1, bytecode_policy=False) as engine:
        check_the_plausible_rule(engine, root, bugs["ADD"])


# --- a crash or timeout on a used worker is re-run on a fresh one -------------------------------

MARK = 'new java.io.File(System.getProperty("java.io.tmpdir"), "fimrepair-marker")'


def test_a_crash_caused_by_an_earlier_candidate_is_rerun_on_a_fresh_worker(minibench) -> None:
    """Candidate A leaves a file in the worker's temp dir; candidate B exits the JVM when it
    finds one. On the same worker B crashes; on a fresh worker it is plausible, and that is its
    verdict: a verdict never depends on what an earlier candidate did to the worker."""
    root, bugs = minibench
    add = bugs["ADD"]
    a = with_body(
        add, f"        try {{ {MARK}.createNewFile(); }} catch (java.io.IOException e) {{ }}\n        return x + y;"
    )
    b = with_body(add, f"        if ({MARK}.exists()) System.exit(3);\n        return x + y;")
    # java.io.File breaks the bytecode policy: the re-run is tested below it
    with Engine(root, workers=1, per_candidate_timeout_s=10, bytecode_policy=False) as one:
        assert one.validate(add, a).status is Status.PLAUSIBLE
        v = one.validate(add, b)
        assert v.status is Status.PLAUSIBLE, v
        assert one.stats["reruns"] == 1
        assert one.validate(add, b).status is Status.PLAUSIBLE  # the pool's replacement worker is clean


def test_a_verdict_does_not_depend_on_the_candidates_layout(engine: Engine, minibench) -> None:
    """Candidates with the same normalised text share one cached verdict, so the verdict (its
    compiler message included) must not depend on layout: no line numbers, no quoted source.
    (The engine's javac API and javac's command line name the location's class differently.)"""
    from fimrepair.javasrc import normalize
    from fimrepair.validate import FreshValidator

    _, bugs = minibench
    add = bugs["ADD"]
    one = with_body(add, "        return x + missing;")
    other = with_body(add, "        // moved down\n\n        return x\n            + missing;")
    assert normalize(one) == normalize(other)
    for validator in (engine, FreshValidator(minibench[0], per_candidate_timeout_s=10)):
        a, b = validator.validate(add, one), validator.validate(add, other)
        assert a.status is b.status is Status.UNCOMPILABLE and a.message == b.message, (a, b)
        message = a.message or ""
        assert message.startswith(
            "src/main/java/humaneval/buggy/ADD.java: error: cannot find symbol\n  symbol:   variable missing"
        ), message
        assert "return" not in message and ":4:" not in message  # neither the quoted source nor a line number
