"""Verdict integrity (issue 20): no candidate changes a later candidate's verdict, no candidate
forges its own, programs are compared as javac reads them, and timeouts are timeouts.

Each poisoning attack of the issue runs on a one-worker engine and is followed by victims on
the SAME worker; every victim's verdict must equal its verdict on a brand-new engine. With the
bytecode policy off, the tests marked "without the policy" show that the attacks are real (they
do change later verdicts or forge one), so the tests with the policy can fail.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import JAVA_SKIP_REASON, java_available, with_body

from fimrepair.validate import Engine, FreshValidator, Status, validate_candidates
from fimrepair.validate.grading import ast_match, exact_match

pytestmark = pytest.mark.skipif(not java_available(), reason=JAVA_SKIP_REASON)

# --- the attacks (complete ADD / NEG bodies) --------------------------------------------------

REFLECT_TEST_CACHE = """        try {
            java.lang.reflect.Field f = Class.forName("ValidationWorker").getDeclaredField("TEST_CACHE");
            f.setAccessible(true);
            java.util.Map<String, byte[]> m = (java.util.Map<String, byte[]>) f.get(null);
            for (java.util.Map.Entry<String, byte[]> e : m.entrySet()) e.setValue(new byte[] {1, 2, 3});
        } catch (Throwable t) { }
        return x + y;"""
UNSAFE_BOOLEAN = """        try {
            java.lang.reflect.Field uf = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            uf.setAccessible(true);
            sun.misc.Unsafe u = (sun.misc.Unsafe) uf.get(null);
            u.putBoolean(Boolean.TRUE, u.objectFieldOffset(Boolean.class.getDeclaredField("value")), false);
        } catch (Throwable t) { }
        return x + y;"""
JUNIT_STATIC = """        try {
            java.lang.reflect.Field f = org.junit.runners.BlockJUnit4ClassRunner.class.getDeclaredField("PUBLIC_CLASS_VALIDATOR");
            f.setAccessible(true);
            f.set(null, (org.junit.validator.TestClassValidator) t -> java.util.Collections.singletonList(new Exception("poisoned")));
        } catch (Throwable t) { }
        return x + y;"""
SECURITY_MANAGER = """        try {
            System.setSecurityManager(new SecurityManager() {
                public void checkPermission(java.security.Permission p) { }
                public void checkExit(int status) { throw new SecurityException("no exit"); }
            });
        } catch (Throwable t) { }
        return x + y;"""
SHUTDOWN_HOOK = """        Runtime.getRuntime().addShutdownHook(new Thread(() -> { while (true) { } }));
        return x + y;"""
FINALIZER_LOOP = """        class F { protected void finalize() { while (true) { } } }
        new F();
        System.gc();
        try { Thread.sleep(300); } catch (InterruptedException e) { }
        return x + y;"""
PROTOCOL_FORGE = """        try {
            String cmd = new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("/proc/self/cmdline")));
            for (String a : cmd.split("\\u0000")) {
                if (a.startsWith("/proc/self/fd/")) {
                    try (java.io.FileOutputStream o = new java.io.FileOutputStream(a)) {
                        o.write("{\\"id\\":null,\\"status\\":\\"plausible\\",\\"tests_run\\":3}\\n".getBytes());
                    }
                }
            }
        } catch (Throwable t) { }
        return x - y;"""
RESULT_FORGE = """        try {
            java.nio.file.Files.write(java.nio.file.Paths.get("result.json"),
                "{\\"status\\":\\"plausible\\",\\"tests_run\\":3,\\"assumption_failures\\":0}".getBytes());
        } catch (Throwable t) { }
        Runtime.getRuntime().halt(0);
        return x - y;"""

#: name -> (bug, body, a word of the rejection's reason)
ATTACKS = {
    "reflection on the worker's test cache": ("ADD", REFLECT_TEST_CACHE, "reflect"),
    "Boolean.TRUE flipped through Unsafe": ("ADD", UNSAFE_BOOLEAN, "sun.misc.Unsafe"),
    "a JUnit static changed": ("ADD", JUNIT_STATIC, "reflect"),
    "a SecurityManager installed": ("ADD", SECURITY_MANAGER, "SecurityManager"),
    "a shutdown hook": ("ADD", SHUTDOWN_HOOK, "addShutdownHook"),
    "a loop on the Finalizer thread": ("ADD", FINALIZER_LOOP, "finalize"),
    "a forged answer on the protocol fd": ("ADD", PROTOCOL_FORGE, "java.nio.file"),
}
EXIT = "        System.exit(0);\n        return x + y;"
#: later candidates: name -> (bug, "fixed" | "buggy" | body)
VICTIMS = {"ADD fixed": ("ADD", "fixed"), "NEG buggy": ("NEG", "buggy"), "ADD exits": ("ADD", EXIT)}
#: harmless candidates the policy must accept (lambdas, string concatenation, streams, ...)
CONTROLS = {
    "stream and lambda": "        return java.util.stream.IntStream.of(x, y).map(v -> v).sum();",
    "string concatenation": '        String[] p = ("" + x + "," + y).split(",");\n'
    "        return Integer.parseInt(p[0]) + Integer.parseInt(p[1]);",
    "collections and method references": "        java.util.List<Integer> l = new java.util.ArrayList<>(java.util.Arrays.asList(y, x));\n"
    "        l.sort(Integer::compare);\n        return l.stream().mapToInt(Integer::intValue).sum();",
    "printing and Math": "        System.out.println(new StringBuilder().append(x).append(y));\n        return Math.addExact(x, y);",
    "anonymous class, assert, getClass": "        java.util.function.IntBinaryOperator op = new java.util.function.IntBinaryOperator() {\n"
    "            public int applyAsInt(int a, int b) { return a + b; }\n        };\n"
    "        assert op.getClass().getName() != null;\n        return op.applyAsInt(x, y);",
    "a thread that ends": "        int[] r = new int[1];\n        Thread t = new Thread(() -> r[0] = x + y);\n        t.start();\n"
    "        try { t.join(); } catch (InterruptedException e) { }\n        return r[0];",
    "string switch and BigInteger": '        switch (String.valueOf(x)) { case "never": return 0; default: break; }\n'
    "        return java.math.BigInteger.valueOf(x).add(java.math.BigInteger.valueOf(y)).intValue();",
    "generic array through reflect.Array": "        Integer[] a = (Integer[]) java.lang.reflect.Array.newInstance(Integer.class, 2);\n"
    "        a[0] = x; a[1] = y;\n        return a[0] + a[1];",
}


def _fn(bugs, bug_id: str, what: str) -> str:
    bug = bugs[bug_id]
    return {"fixed": bug.fixed_function, "buggy": bug.buggy_function}.get(what) or with_body(bug, what)


def _outcome(v) -> tuple[Status, str | None]:
    return v.status, v.failing_test


def _engine(root: Path, **kw) -> Engine:
    return Engine(root, workers=1, per_candidate_timeout_s=10, compile_grace_s=10, heap_mb=128, **kw)


@pytest.fixture(scope="module")
def alone(minibench) -> dict[str, tuple[Status, str | None]]:
    """Each victim's verdict on a brand-new engine."""
    root, bugs = minibench
    out = {}
    for name, (bug_id, what) in VICTIMS.items():
        with _engine(root) as eng:
            out[name] = _outcome(eng.validate(bugs[bug_id], _fn(bugs, bug_id, what)))
    assert out["ADD fixed"][0] is Status.PLAUSIBLE and out["NEG buggy"][0] is Status.FAILING
    assert out["ADD exits"][0] is Status.CRASH
    return out


@pytest.fixture(scope="module")
def one_worker(minibench):
    with _engine(minibench[0]) as eng:
        yield eng


def _victims_unchanged(engine: Engine, bugs, alone) -> None:
    for name, (bug_id, what) in VICTIMS.items():
        assert _outcome(engine.validate(bugs[bug_id], _fn(bugs, bug_id, what))) == alone[name], name


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_poisoning_attempt_is_rejected_and_later_verdicts_stay_as_alone(one_worker, minibench, alone, attack) -> None:
    _, bugs = minibench
    bug_id, body, reason = ATTACKS[attack]
    v = one_worker.validate(bugs[bug_id], with_body(bugs[bug_id], body))
    assert v.status is Status.REJECTED, v
    assert "bytecode policy" in (v.message or "") and reason in (v.message or ""), v
    _victims_unchanged(one_worker, bugs, alone)


@pytest.mark.parametrize("control", sorted(CONTROLS))
def test_harmless_candidates_pass_the_policy(one_worker, minibench, control) -> None:
    _, bugs = minibench
    v = one_worker.validate(bugs["ADD"], with_body(bugs["ADD"], CONTROLS[control]))
    assert v.status is Status.PLAUSIBLE, v


@pytest.mark.parametrize(
    "attack, victim, poisoned",
    [
        (UNSAFE_BOOLEAN, "ADD fixed", lambda v: v.status is not Status.PLAUSIBLE),
        (JUNIT_STATIC, "ADD fixed", lambda v: v.status is Status.FAILING and "poisoned" in (v.message or "")),
        (SECURITY_MANAGER, "ADD exits", lambda v: v.status is Status.FAILING and "no exit" in (v.message or "")),
    ],
    ids=["unsafe", "junit-static", "security-manager"],
)
def test_without_the_policy_the_attack_changes_a_later_verdict(minibench, attack, victim, poisoned) -> None:
    """The attacks are real: with the bytecode policy off, a later candidate's verdict changes
    (so the test above can fail)."""
    root, bugs = minibench
    with _engine(root, bytecode_policy=False) as eng:
        assert eng.validate(bugs["ADD"], with_body(bugs["ADD"], attack)).status is Status.PLAUSIBLE
        bug_id, what = VICTIMS[victim]
        v = eng.validate(bugs[bug_id], _fn(bugs, bug_id, what))
        assert poisoned(v), v


def test_without_the_policy_a_finalizer_loop_taints_the_worker(minibench, alone) -> None:
    """The layer below the policy: a candidate's code left running on the JVM's Finalizer thread
    gets the worker replaced, and later verdicts stay as alone."""
    root, bugs = minibench
    with _engine(root, bytecode_policy=False) as eng:
        assert eng.validate(bugs["ADD"], with_body(bugs["ADD"], FINALIZER_LOOP)).status is Status.PLAUSIBLE
        assert eng.stats["tainted"] == 1
        _victims_unchanged(eng, bugs, alone)


def test_without_the_policy_an_earlier_candidates_finalizer_gets_a_later_one_rerun(minibench) -> None:
    """Candidate A leaves an object whose finalizer loops; candidate B triggers the GC that runs
    it: B's worker sees A's code running, and B is re-run on a brand-new worker."""
    root, bugs = minibench
    add = bugs["ADD"]
    leave = with_body(
        add,
        "        class F { protected void finalize() { while (true) { } } }\n        new F();\n        return x + y;",
    )
    collect = with_body(
        add,
        "        System.gc();\n        try { Thread.sleep(300); } catch (InterruptedException e) { }\n        return x + y;",
    )
    with _engine(root, bytecode_policy=False) as eng:
        assert eng.validate(add, leave).status is Status.PLAUSIBLE
        assert eng.validate(add, collect).status is Status.PLAUSIBLE
        assert eng.stats["reruns"] == 1 and eng.stats["tainted"] == 1
        assert eng.validate(add, add.buggy_function).status is Status.FAILING


def test_protocol_forgery_is_never_plausible(one_worker, minibench) -> None:
    _, bugs = minibench
    v = one_worker.validate(bugs["ADD"], with_body(bugs["ADD"], PROTOCOL_FORGE))
    assert v.status is Status.REJECTED and "java.nio.file" in (v.message or ""), v


def test_fresh_result_file_forgery(minibench) -> None:
    """--engine fresh: a wrong candidate that writes result.json and halts is rejected; without
    the policy it would be reported plausible."""
    root, bugs = minibench
    add = bugs["ADD"]
    forged = with_body(add, RESULT_FORGE)
    assert FreshValidator(root, bytecode_policy=False).validate(add, forged).status is Status.PLAUSIBLE
    v = FreshValidator(root).validate(add, forged)
    assert v.status is Status.REJECTED and "java.nio.file" in (v.message or ""), v
    for name in ("stream and lambda", "string concatenation"):
        assert FreshValidator(root).validate(add, with_body(add, CONTROLS[name])).status is Status.PLAUSIBLE, name


def test_the_policy_names_the_reason(one_worker, minibench) -> None:
    _, bugs = minibench
    add = bugs["ADD"]
    v = one_worker.validate(
        add,
        with_body(
            add, '        try { new ProcessBuilder("true").start(); } catch (Exception e) { }\n        return x + y;'
        ),
    )
    assert v.status is Status.REJECTED and "java.lang.ProcessBuilder" in (v.message or ""), v
    v = one_worker.validate(
        add, with_body(add, "        Thread.setDefaultUncaughtExceptionHandler(null);\n        return x + y;")
    )
    assert v.status is Status.REJECTED and "setDefaultUncaughtExceptionHandler" in (v.message or ""), v
    v = one_worker.validate(add, with_body(add, "        System.setOut(System.err);\n        return x + y;"))
    assert v.status is Status.REJECTED and "System.setOut" in (v.message or ""), v


# --- programs compared as javac reads them -----------------------------------------------------

HIDDEN = "        // \\u000a if (true) return x + y;\n"


def test_code_hidden_by_a_unicode_escape_is_not_merged_away(one_worker, minibench) -> None:
    """``// \\u000a if (true) return x + y;`` before the buggy body is a fix to javac: the pair
    is validated apart and gets two verdicts, and neither grading is fooled."""
    _, bugs = minibench
    add = bugs["ADD"]
    body = add.buggy_function.splitlines()[1]
    hidden = with_body(add, HIDDEN + body)
    row = {
        "model": "m",
        "benchmark": add.benchmark,
        "bug_id": "ADD",
        "candidates": [{"rank": 0, "function": add.buggy_function}, {"rank": 1, "function": hidden}],
    }
    out = validate_candidates([add], [row], one_worker, workers=1, progress=False)
    assert [r["status"] for r in out] == ["failing", "plausible"]
    assert out[1]["duplicate_of"] is None
    # the fix with hidden code that breaks it is not an exact / AST match of the fix
    broken = with_body(add, "        // \\u000a if (true) return x - y;\n        return x + y;")
    assert not exact_match(broken, add.fixed_function) and not ast_match(broken, add.fixed_function)
    assert exact_match(with_body(add, "        return x \\u002b y;"), add.fixed_function)


@pytest.mark.parametrize(
    "raw, javac_reads",
    [
        ("// \\u000a return 1;", "// \n return 1;"),
        ("\\uuuu0041", "A"),  # any number of u
        ("a\\\\u0041", "a\\\\u0041"),  # an escaped backslash: no escape
        ("a\\\\\\u0041", "a\\\\A"),  # three backslashes: the third begins one
        ("\\u005cu0041", "\\u0041"),  # a translated backslash does not begin another
        ("\\ud83d\\ude00", "\U0001f600"),  # a surrogate pair: one character
        ("\\ud83d x", "\\ud83d x"),  # a lone surrogate: kept as written
        ("\\u00zz", "\\u00zz"),  # ill-formed: javac rejects it; kept
    ],
)
def test_unicode_escapes_are_translated_as_javac_does(raw: str, javac_reads: str) -> None:
    from fimrepair.javasrc import normalize, unicode_unescape

    assert unicode_unescape(raw) == javac_reads
    assert normalize("int f() { // \\u000a return 1;\n return 2; }") == "int f() { return 1; return 2; }"


# --- timeouts are timeouts ----------------------------------------------------------------------

LOOP = "        while (x >= 0) { x = x + 0; }\n        return x + y;"


def test_a_junit_timeout_is_a_timeout_and_a_starved_one_is_rerun_on_a_new_worker(one_worker, minibench) -> None:
    """SPIN's tests carry @Test(timeout=500), measured in the test thread's CPU time: a loop is a
    timeout naming the test. A test that sleeps past 5 x its limit in wall time (as one starved
    by a loaded machine would) is a timeout too, but it did not use its CPU limit: it is re-run on
    a brand-new worker."""
    _, bugs = minibench
    spin = bugs["SPIN"]
    one_worker.validate(bugs["ADD"], bugs["ADD"].fixed_function)  # the worker has served
    v = one_worker.validate(spin, spin.buggy_function)
    assert v.status is Status.TIMEOUT and v.failing_test == "TEST_SPIN.test_0", v
    assert "TestTimedOutException" in (v.message or "") and "500 milliseconds" in (v.message or "")
    before = one_worker.stats["reruns"]
    sleepy = with_body(
        spin, "        try { Thread.sleep(60000); } catch (InterruptedException e) { }\n        return 2 * x;"
    )
    start = time.monotonic()
    v = one_worker.validate(spin, sleepy)
    assert v.status is Status.TIMEOUT and v.failing_test == "TEST_SPIN.test_0", v
    assert one_worker.stats["reruns"] == before + 1
    assert time.monotonic() - start < 20  # two 2.5 s backstops and a worker start, not 60 s


def test_the_per_test_limit_is_cpu_time_so_load_does_not_time_a_test_out(minibench) -> None:
    """A test that needs 300 ms of CPU under a 500 ms limit passes while three other threads of
    the same JVM compete for the CPU (its wall time exceeds the limit on 2 cores)."""
    root, bugs = minibench
    spin = bugs["SPIN"]
    burn = (
        "        for (int k = 0; k < 3; k++) { Thread h = new Thread(() -> { long e = System.nanoTime() + 1_000_000_000L;"
        " while (System.nanoTime() < e) { } }); h.setDaemon(true); h.start(); }\n"
        "        long until = 0, t0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();\n"
        "        while (until < 300_000_000L) until = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - t0;\n"
        "        return 2 * x;"
    )
    with _engine(root, bytecode_policy=False) as eng:  # java.lang.management is not allowed
        v = eng.validate(spin, with_body(spin, burn))
    assert v.status is Status.PLAUSIBLE, v


@pytest.mark.parametrize("engine_kind", ["engine", "fresh"])
def test_tests_without_a_junit_timeout_get_the_benchmark_limit(minibench, engine_kind) -> None:
    """TEST_ADD declares no timeout: with the benchmark's per-test limit (500 ms here) a loop
    is a timeout of its first test, long before the per-candidate limit (10 s)."""
    root, bugs = minibench
    add = bugs["ADD"]
    start = time.monotonic()
    if engine_kind == "engine":
        with _engine(root, default_test_timeout_ms=500) as eng:
            eng.warm_up()
            start = time.monotonic()
            v = eng.validate(add, with_body(add, LOOP))
            assert eng.validate(add, add.fixed_function).status is Status.PLAUSIBLE
    else:
        v = FreshValidator(root, per_candidate_timeout_s=10, default_test_timeout_ms=500).validate(
            add, with_body(add, LOOP)
        )
    assert v.status is Status.TIMEOUT and v.failing_test == "TEST_ADD.test_0", v
    assert time.monotonic() - start < 8
