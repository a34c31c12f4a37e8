"""The validate stage: verdicts of the fresh-process engine on a tiny hand-written benchmark in
the HumanEval-Java layout, grading, and the dedup/parallel driver."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest import JAVA_SKIP_REASON, LITERAL_1, LITERAL_2, check_the_plausible_rule, java_available, with_body

from fimrepair.bugs import Bug
from fimrepair.javasrc import normalize
from fimrepair.validate import (
    FreshValidator,
    Status,
    Verdict,
    VerdictCache,
    ast_match,
    exact_match,
    sandbox,
    summarise,
    validate_candidates,
)
from fimrepair.validate import fresh as fresh_module
from fimrepair.validate.cache import cache_key
from fimrepair.validate.javac import first_error
from fimrepair.validate.verdict import ASSUMPTION_SKIPPED, NO_TEST_RAN, report_outcome

needs_java = pytest.mark.skipif(not java_available(), reason=JAVA_SKIP_REASON)


@pytest.fixture(scope="module")
def validator(minibench: tuple[Path, dict[str, Bug]]) -> FreshValidator:
    if not java_available():
        pytest.skip(JAVA_SKIP_REASON)
    return FreshValidator(minibench[0], per_candidate_timeout_s=30)


# --- the fresh engine -------------------------------------------------------------------------


@needs_java
def test_oracle_is_plausible_and_identity_fails(validator: FreshValidator, minibench) -> None:
    _, bugs = minibench
    for bug in bugs.values():
        ok = validator.validate(bug, bug.fixed_function)
        assert ok.status is Status.PLAUSIBLE, (bug.bug_id, ok)
        assert ok.failing_test is None and ok.compile_s > 0 and ok.test_s > 0
    bad = validator.validate(bugs["ADD"], bugs["ADD"].buggy_function)
    assert bad.status is Status.FAILING
    assert bad.failing_test == "TEST_ADD.test_1"
    assert "expected:<5> but was:<3>" in (bad.message or "")


@needs_java
def test_first_failing_test_is_the_first_by_name(validator: FreshValidator, minibench) -> None:
    _, bugs = minibench
    # Fails test_a (returns x for negative x) and test_b/test_c (returns x above hi).
    v = validator.validate(bugs["CLAMP"], with_body(bugs["CLAMP"], "        return x;"))
    assert v.status is Status.FAILING and v.failing_test == "TEST_CLAMP.test_a"
    # The identity fails test_b and test_c but not test_a.
    v = validator.validate(bugs["CLAMP"], bugs["CLAMP"].buggy_function)
    assert v.status is Status.FAILING and v.failing_test == "TEST_CLAMP.test_b"


@needs_java
def test_syntax_error_is_uncompilable(validator: FreshValidator, minibench) -> None:
    _, bugs = minibench
    v = validator.validate(bugs["ADD"], with_body(bugs["ADD"], "        return x + ;"))
    assert v.status is Status.UNCOMPILABLE
    assert v.message and "error:" in v.message and "ADD.java" in v.message
    assert v.test_s == 0.0
    # A type error too; and a candidate changing the signature breaks the test's compilation.
    assert validator.validate(bugs["ADD"], with_body(bugs["ADD"], '        return "x";')).status is Status.UNCOMPILABLE
    renamed = bugs["ADD"].fixed_function.replace("add(", "plus(")
    v = validator.validate(bugs["ADD"], renamed)
    assert v.status is Status.UNCOMPILABLE and "TEST_ADD.java" in (v.message or "")
    assert validator.validate(bugs["ADD"], "   ").status is Status.UNCOMPILABLE


@needs_java
def test_infinite_loop_hits_the_hard_limit(minibench) -> None:
    root, bugs = minibench
    fast = FreshValidator(root, per_candidate_timeout_s=2)
    fast.runner_dir()  # compile (or find) the runner outside the timed part
    start = time.monotonic()
    v = fast.validate(bugs["ADD"], with_body(bugs["ADD"], "        while (true) { x++; }"))
    elapsed = time.monotonic() - start
    assert v.status is Status.TIMEOUT, v
    assert elapsed < 2 + 5, elapsed
    assert 1.5 < v.test_s < 5


@needs_java
def test_junit_timeout_is_a_fast_timeout(validator: FreshValidator, minibench) -> None:
    """The buggy SPIN loops; its tests carry @Test(timeout=500): fail-fast stops after the
    first timed-out test (a ``timeout``, naming it) and the runner halts the JVM despite the
    still-spinning thread."""
    _, bugs = minibench
    start = time.monotonic()
    v = validator.validate(bugs["SPIN"], bugs["SPIN"].buggy_function)
    assert v.status is Status.TIMEOUT and v.failing_test == "TEST_SPIN.test_0"
    assert "timed out" in (v.message or "")
    assert time.monotonic() - start < 10


@needs_java
def test_system_exit_is_a_crash(validator: FreshValidator, minibench) -> None:
    """``System.exit(0)`` ends the JVM before any result is written. We call that a crash, not a
    failure: no test verdict exists (exit status 0 would even read as success to a naive
    harness), and a persistent-JVM engine sees the same event as a dead worker."""
    _, bugs = minibench
    v = validator.validate(bugs["ADD"], with_body(bugs["ADD"], "        System.exit(0);\n        return x + y;"))
    assert v.status is Status.CRASH, v
    assert "without a result" in (v.message or "") and "System.exit" in (v.message or "")
    v = validator.validate(bugs["ADD"], with_body(bugs["ADD"], "        System.exit(1);\n        return x + y;"))
    assert v.status is Status.CRASH


@needs_java
def test_out_of_memory_is_a_crash(validator: FreshValidator, minibench) -> None:
    _, bugs = minibench
    body = "        java.util.List<long[]> l = new java.util.ArrayList<>();\n        while (true) l.add(new long[1 << 20]);"
    v = validator.validate(bugs["ADD"], with_body(bugs["ADD"], body))
    assert v.status is Status.CRASH, v
    assert "out of memory" in (v.message or ""), v


@needs_java
def test_candidate_output_does_not_break_the_verdict(validator: FreshValidator, minibench) -> None:
    _, bugs = minibench
    noisy = (
        '        for (int i = 0; i < 200000; i++) System.out.println("{\\"status\\":\\"plausible\\"} " + i);\n'
        '        for (int i = 0; i < 20000; i++) System.err.println("noise " + i);\n'
        "        return x | y;"
    )
    v = validator.validate(bugs["ADD"], with_body(bugs["ADD"], noisy))
    assert v.status is Status.FAILING and v.failing_test == "TEST_ADD.test_1"
    quiet_ok = '        System.out.print("x");\n        return x + y;'
    assert validator.validate(bugs["ADD"], with_body(bugs["ADD"], quiet_ok)).status is Status.PLAUSIBLE


@needs_java
def test_concurrent_calls_are_isolated(validator: FreshValidator, minibench) -> None:
    _, bugs = minibench
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(validator.validate(bugs["NEG"], bugs["NEG"].fixed_function)))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status for r in results] == [Status.PLAUSIBLE] * 3


@needs_java
def test_assumption_skips_and_no_test_run_are_not_plausible(minibench) -> None:
    # The candidates call org.junit.Assume, which the bytecode policy rejects: the rule is
    # tested below the policy.
    root, bugs = minibench
    check_the_plausible_rule(FreshValidator(root, per_candidate_timeout_s=30, bytecode_policy=False), root, bugs["ADD"])


def test_the_plausible_rule() -> None:
    ran = {"status": "plausible", "tests_run": 3, "assumption_failures": 0}
    assert report_outcome(ran) == (Status.PLAUSIBLE, None, None)
    assert report_outcome({**ran, "tests_run": 0}) == (Status.FAILING, None, NO_TEST_RAN)
    assert report_outcome({"status": "plausible"}) == (Status.FAILING, None, NO_TEST_RAN)
    skipped = {**ran, "assumption_failures": 1, "skipped_test": "T.t", "skipped_message": "why"}
    assert report_outcome(skipped) == (Status.FAILING, "T.t", f"{ASSUMPTION_SKIPPED}: why")
    failed = {"status": "failing", "failing_test": "T.u", "message": "m", "tests_run": 2, "assumption_failures": 1}
    assert report_outcome(failed) == (Status.FAILING, "T.u", "m")


@needs_java
@pytest.mark.parametrize(
    "component, change",
    [
        ("per_candidate_timeout_s", {"per_candidate_timeout_s": 5}),
        ("compile_timeout_s", {"compile_timeout_s": 120}),
        ("java_level", {"java_level": 11}),
        ("jars", {"jars": [Path("/usr/share/java/junit4.jar")]}),
        ("sandbox", {"sandbox": "none"}),
        ("default_test_timeout_ms", {"default_test_timeout_ms": 3000}),
        ("bytecode_policy", {"bytecode_policy": False}),
    ],
)
def test_every_fresh_setting_is_in_the_cache_key(minibench, component: str, change: dict) -> None:
    root, _ = minibench
    if component == "sandbox" and sandbox.probe("auto") == "none":
        pytest.skip("needs a sandbox level above 'none' here (bubblewrap, or root and util-linux unshare) to vary it")
    base = {"per_candidate_timeout_s": 30, "compile_timeout_s": 60}
    a = FreshValidator(root, **base).verdict_settings()
    b = FreshValidator(root, **{**base, **change}).verdict_settings()
    assert {k for k in a if a[k] != b[k]} == {component}
    assert cache_key("v", "ADD", "f", a) != cache_key("v", "ADD", "f", b)


@needs_java
def test_fresh_version_and_options_are_in_the_cache_key(minibench, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = minibench
    a = FreshValidator(root).verdict_settings()
    monkeypatch.setattr(fresh_module, "FRESH_VERSION", "fresh-next")
    monkeypatch.setattr(fresh_module, "JVM_OPTIONS", ("-Xmx64m",))
    monkeypatch.setattr(FreshValidator, "javac_options", ("-nowarn",))
    monkeypatch.setattr(fresh_module, "jdk_version", lambda java, javac: "openjdk 99")
    b = FreshValidator(root).verdict_settings()
    assert {k for k in a if a[k] != b[k]} == {"engine", "jvm_options", "javac_options", "jdk"}


@needs_java
def test_cached_verdicts_are_not_reused_under_another_limit(minibench, tmp_path: Path) -> None:
    """Cached as ``timeout`` under a 1 s limit, a 2 s sleep is plausible under a 30 s one."""
    root, bugs = minibench
    add = bugs["ADD"]
    sleepy = with_body(
        add, "        try { Thread.sleep(2000); } catch (InterruptedException e) { }\n        return x + y;"
    )
    rows = [_row("m", add, [sleepy])]
    cache = VerdictCache(tmp_path / "cache")
    for limit, expected, cached in ((1, "timeout", 0), (30, "plausible", 0), (1, "timeout", 1)):
        stats: dict[str, int] = {}
        out = validate_candidates(
            [add],
            rows,
            FreshValidator(root, per_candidate_timeout_s=limit),
            workers=1,
            progress=False,
            cache=cache,
            stats=stats,
        )
        assert out[0]["status"] == expected and stats["cached"] == cached
    assert len(cache) == 2


def test_first_error_picks_the_first_diagnostic_without_its_position() -> None:
    out = (
        "src/main/java/humaneval/buggy/ADD.java:6: error: cannot find symbol\n"
        "        return x.strip();\n"
        "                ^\n"
        "  symbol:   method strip()\n"
        "  location: variable x of type String\n"
        "src/main/java/humaneval/buggy/ADD.java:9: error: something else\n"
        "Note: Some input files use unchecked or unsafe operations.\n"
        "2 errors\n"
    )
    assert first_error(out) == (
        "src/main/java/humaneval/buggy/ADD.java: error: cannot find symbol\n"
        "  symbol:   method strip()\n"
        "  location: variable x of type String"
    )
    last = "A.java:3: warning: [x] w\nA.java:4: error: illegal start of expression\n        return x + ;\n                   ^\n1 error\n"
    assert first_error(last) == "A.java: error: illegal start of expression"
    assert first_error("weird failure\n") == "weird failure"


def test_verdict_round_trip_and_truncation() -> None:
    v = Verdict(Status.FAILING, "TEST_X.test_3", "m" * 2000, 0.5, 0.25)
    assert len(v.message or "") <= 500
    d = v.to_dict()
    assert d["status"] == "failing"
    assert Verdict.from_dict(d) == v
    assert Verdict.from_dict({"status": "timeout"}).status is Status.TIMEOUT
    assert Status("plausible") == "plausible"


# --- grading ----------------------------------------------------------------------------------

FIX = "public static int add(int x, int y) {\n    return x + y;\n}\n"


def test_exact_match() -> None:
    assert exact_match("public static int add(int x, int y) {   return x + y; } // done", FIX)
    assert exact_match("public static int add(int x, int y) {\n  /* sum */\n  return x + y;\n}", FIX)
    assert not exact_match("public static int add(int x, int y) { return x+y; }", FIX)
    assert not exact_match("public static int add(int x, int y) { return y + x; }", FIX)


def test_ast_match() -> None:
    assert ast_match("public static int add(int x, int y) { return x+y; }", FIX)
    assert ast_match("public static int add(int x,int y)\n{\n\treturn x\n+ y;\n}", FIX)
    assert not ast_match("public static int add(int x, int y) { return y + x; }", FIX)
    assert not ast_match('public static int add(int x, int y) { return x + y + ""; }', FIX)


def test_whitespace_inside_literals_is_significant() -> None:
    code = 'int f() {\n    String s = "a  b";  // "x  y"\n    char c = \'\\t\';\n    return s.length();\n}\n'
    assert normalize(code) == "int f() { String s = \"a  b\"; char c = '\\t'; return s.length(); }"
    assert normalize(code.replace('"a  b"', '"a b"')) != normalize(code)
    assert normalize(code.replace('// "x  y"', '// "x y"')) == normalize(code)  # a comment, not a literal
    block = 'String f() {\n    return """\n        a   b\n        """;\n}\n'
    assert normalize(block) != normalize(block.replace("a   b", "a b"))
    assert normalize("char f() { return ' '; }") != normalize("char f() { return '  '; }")
    assert normalize('String f() { return "a  b; }') != normalize('String f() { return "a b; }')  # unterminated
    fix = 'public static String f() {\n    return "a  b";\n}\n'
    assert exact_match('public static String f() { return "a  b"; }', fix)
    assert not exact_match('public static String f() { return "a b"; }', fix)
    assert not ast_match('public static String f() { return "a b"; }', fix)


# --- the driver -------------------------------------------------------------------------------


class FakeValidator:
    """Plausible iff the body says ``x + y``; records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def validate(self, bug: Bug, function: str) -> Verdict:
        with self.lock:
            self.calls.append((bug.bug_id, function))
        if "x + y" in function:
            return Verdict(Status.PLAUSIBLE, compile_s=0.1, test_s=0.1)
        if ";" not in function:
            return Verdict(Status.UNCOMPILABLE, message="error")
        return Verdict(Status.FAILING, failing_test="TEST_ADD.test_1", message="no", compile_s=0.1, test_s=0.1)


def _row(model: str, bug: Bug, functions: list[str]) -> dict:
    return {
        "model": model,
        "benchmark": bug.benchmark,
        "bug_id": bug.bug_id,
        "candidates": [{"rank": i, "function": f, "score": -i} for i, f in enumerate(functions)],
    }


def test_driver_dedups_grades_and_sorts(minibench) -> None:
    _, bugs = minibench
    add, neg = bugs["ADD"], bugs["NEG"]
    fix_relaid = add.fixed_function.replace("    ", "\t").replace("\n", "\n\n") + "// a comment\n"
    rows = [
        _row("m2", add, [add.buggy_function, fix_relaid]),
        _row("m1", neg, ["public static int neg(int x) { return 0 }"]),
        _row("m1", add, [add.fixed_function, add.buggy_function, fix_relaid, add.buggy_function]),
    ]
    fake = FakeValidator()
    out = validate_candidates(list(bugs.values()), rows, fake, workers=3, progress=False)
    # Distinct (bug, normalised function): ADD fixed, ADD buggy, NEG broken.
    assert len(fake.calls) == 3
    assert len(out) == 7
    assert [(r["bug_id"], r["rank"], r["model"]) for r in out] == [
        ("ADD", 0, "m1"), ("ADD", 0, "m2"), ("ADD", 1, "m1"), ("ADD", 1, "m2"),
        ("ADD", 2, "m1"), ("ADD", 3, "m1"), ("NEG", 0, "m1"),
    ]  # fmt: skip
    by = {(r["model"], r["bug_id"], r["rank"]): r for r in out}
    assert by[("m1", "ADD", 0)]["status"] == "plausible" and by[("m1", "ADD", 0)]["exact_match"]
    assert by[("m1", "ADD", 2)]["duplicate_of"] == 0 and by[("m1", "ADD", 2)]["status"] == "plausible"
    assert by[("m1", "ADD", 2)]["exact_match"] and by[("m1", "ADD", 2)]["ast_match"]
    assert by[("m1", "ADD", 3)]["duplicate_of"] == 1 and by[("m1", "ADD", 3)]["failing_test"] == "TEST_ADD.test_1"
    assert by[("m2", "ADD", 1)]["duplicate_of"] is None  # first occurrence within its own row
    assert by[("m1", "NEG", 0)]["status"] == "uncompilable"
    assert set(out[0]) == {
        "model", "benchmark", "bug_id", "rank", "status", "failing_test", "message",
        "compile_s", "test_s", "exact_match", "ast_match", "duplicate_of", "sandbox",
    }  # fmt: skip

    summary = {(s["model"], s["bug_id"]): s for s in summarise(out)}
    assert summary[("m1", "ADD")] == {
        "model": "m1", "benchmark": "tiny", "bug_id": "ADD", "plausible": True, "exact": True,
        "ast": True, "compilable": True, "n_candidates": 4,
    }  # fmt: skip
    assert summary[("m1", "NEG")]["compilable"] is False and summary[("m1", "NEG")]["plausible"] is False
    assert summary[("m2", "ADD")]["n_candidates"] == 2


def test_driver_rejects_unknown_bug(minibench) -> None:
    _, bugs = minibench
    row = {"model": "my-model", "benchmark": "tiny", "bug_id": "NOPE", "candidates": [{"rank": 0, "function": "x"}]}
    with pytest.raises(ValueError, match="NOPE") as err:
        validate_candidates(list(bugs.values()), [row], FakeValidator(), workers=1, progress=False)
    assert "NOPE" in str(err.value) and "my-model" in str(err.value)


def test_driver_propagates_validator_faults(minibench) -> None:
    _, bugs = minibench

    class Broken:
        def validate(self, bug: Bug, function: str) -> Verdict:
            raise OSError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        validate_candidates([bugs["ADD"]], [_row("m", bugs["ADD"], ["a;"])], Broken(), workers=2, progress=False)


@needs_java
def test_driver_with_real_engine_validates_layout_variants_once(validator: FreshValidator, minibench) -> None:
    _, bugs = minibench
    add = bugs["ADD"]

    class Counting:
        def __init__(self) -> None:
            self.n = 0
            self.lock = threading.Lock()

        def validate(self, bug: Bug, function: str) -> Verdict:
            with self.lock:
                self.n += 1
            return validator.validate(bug, function)

    a = "public static int add(int x, int y) {\n    return x + y;\n}\n"
    b = "    public static int add(int x,   int y)\n    {\n        // the sum\n        return x + y;\n    }\n"
    counting = Counting()
    out = validate_candidates([add], [_row("m", add, [a, b])], counting, workers=2, progress=False)
    assert counting.n == 1
    assert [r["status"] for r in out] == ["plausible", "plausible"]
    assert out[1]["duplicate_of"] == 0 and out[0]["duplicate_of"] is None


@needs_java
def test_candidates_that_differ_inside_a_literal_are_validated_apart(validator: FreshValidator, minibench) -> None:
    _, bugs = minibench
    add = bugs["ADD"]
    fake = FakeValidator()
    out = validate_candidates(
        [add], [_row("m", add, [with_body(add, LITERAL_2), with_body(add, LITERAL_1)])], fake, workers=1, progress=False
    )
    assert len(fake.calls) == 2 and [r["duplicate_of"] for r in out] == [None, None]
    out = validate_candidates(
        [add],
        [_row("m", add, [with_body(add, LITERAL_2), with_body(add, LITERAL_1)])],
        validator,
        workers=1,
        progress=False,
    )
    assert [r["status"] for r in out] == ["plausible", "failing"]


@needs_java
def test_junitcore_baseline_agrees_on_plausibility(minibench) -> None:
    """The plain javac + JUnitCore baseline of the throughput benchmark: correct -> plausible,
    buggy -> failing with the failing test named, broken -> uncompilable."""
    from fimrepair.validate.fresh import JUnitCoreValidator

    root, bugs = minibench
    validator = JUnitCoreValidator(root, per_candidate_timeout_s=30)
    bug = bugs["CLAMP"]
    assert validator.validate(bug, bug.fixed_function).status is Status.PLAUSIBLE
    failing = validator.validate(bug, bug.buggy_function)
    assert failing.status is Status.FAILING and failing.failing_test and failing.failing_test.startswith("TEST_CLAMP.")
    assert validator.validate(bug, bug.fixed_function.replace(";", "", 1)).status is Status.UNCOMPILABLE


@needs_java
def test_both_runners_share_one_junit_listener(tmp_path: Path) -> None:
    """The fail-fast JUnit listener is written once (FirstFailureListener.java) and compiled into
    both test runners: the fresh validator's FailFastRunner and the engine's worker."""
    from importlib import resources

    from fimrepair.validate.fresh import compile_runner
    from fimrepair.validate.javac import default_jars
    from fimrepair.validate.worker import compile_worker

    java = resources.files("fimrepair") / "java"
    listeners = [f.name for f in java.iterdir() if f.name.endswith(".java") and "extends RunListener" in f.read_text()]
    assert listeners == ["FirstFailureListener.java"]
    runner = compile_runner("javac", default_jars(), tmp_path)
    worker = compile_worker("javac", default_jars(), tmp_path)
    for shared in ("FirstFailureListener.class", "CandidatePolicy.class"):
        assert (runner / shared).read_bytes() == (worker / shared).read_bytes()
