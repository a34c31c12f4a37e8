"""Adversarial candidates: each gets the expected verdict and the engine serves the next one."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from conftest import JAVA_SKIP_REASON, java_available, with_body

from fimrepair.bugs import Bug
from fimrepair.validate import Engine, Status, validate_candidates

pytestmark = pytest.mark.skipif(not java_available(), reason=JAVA_SKIP_REASON)

LIMIT_S = 3


@pytest.fixture(scope="module")
def engine(minibench):
    # TEST_ADD has no JUnit timeout: a loop there only ends at the engine's limit. The bytecode
    # policy is off: these candidates test the layers below it (the worker's hygiene, the
    # sandbox); tests/test_verdict_integrity.py tests the policy.
    with Engine(
        minibench[0], workers=2, per_candidate_timeout_s=LIMIT_S, compile_grace_s=5, heap_mb=128, bytecode_policy=False
    ) as eng:
        yield eng


def check(engine: Engine, bug: Bug, function: str, expected: Status, message: str | None = None):
    v = engine.validate(bug, function)
    assert v.status is expected, v
    if message is not None:
        assert message in (v.message or ""), v
    # ... and the engine still serves the next candidate correctly.
    assert engine.validate(bug, bug.fixed_function).status is Status.PLAUSIBLE
    # (SPIN's buggy version loops into its JUnit timeout: a timeout)
    assert engine.validate(bug, bug.buggy_function).status is (
        Status.TIMEOUT if bug.bug_id == "SPIN" else Status.FAILING
    )
    return v


def test_infinite_loop_without_junit_timeout_hits_the_limit(engine, minibench) -> None:
    _, bugs = minibench
    before = engine.stats["workers_replaced"]
    v = check(engine, bugs["ADD"], with_body(bugs["ADD"], "        while (true) { x++; }"), Status.TIMEOUT)
    assert LIMIT_S - 0.5 < v.test_s < LIMIT_S + 6
    assert engine.stats["workers_replaced"] > before


def test_infinite_loop_with_junit_timeout_is_a_fast_timeout(engine, minibench) -> None:
    _, bugs = minibench
    check(engine, bugs["SPIN"], bugs["SPIN"].buggy_function, Status.TIMEOUT, "timed out")


def test_infinite_recursion(engine, minibench) -> None:
    _, bugs = minibench
    check(
        engine,
        bugs["ADD"],
        with_body(bugs["ADD"], "        return add(x, y) + 1;"),
        Status.FAILING,
        "StackOverflowError",
    )


@pytest.mark.parametrize("body", ["System.exit(0);", "System.exit(1);", "Runtime.getRuntime().halt(0);"])
def test_exit_and_halt_are_crashes(engine, minibench, body: str) -> None:
    _, bugs = minibench
    check(
        engine,
        bugs["ADD"],
        with_body(bugs["ADD"], f"        {body}\n        return x + y;"),
        Status.CRASH,
        "without a result",
    )


def test_unbounded_allocation_is_a_crash(engine, minibench) -> None:
    _, bugs = minibench
    body = "        java.util.List<long[]> l = new java.util.ArrayList<>();\n        while (true) l.add(new long[1 << 20]);"
    check(engine, bugs["ADD"], with_body(bugs["ADD"], body), Status.CRASH, "out of memory")


def test_spawned_spinning_thread(minibench) -> None:
    root, bugs = minibench
    body = "        Thread t = new Thread(() -> { long i = 0; while (true) i++; });\n        t.start();\n        return x + y;"
    with Engine(root, workers=1, per_candidate_timeout_s=LIMIT_S, replace_after_stopped_threads=True) as strict:
        assert strict.validate(bugs["ADD"], with_body(bugs["ADD"], body)).status is Status.PLAUSIBLE
        assert strict.stats["tainted"] == 1 and strict.stats["workers_replaced"] == 1
        assert strict.validate(bugs["ADD"], bugs["ADD"].buggy_function).status is Status.FAILING


def test_spawned_spinning_thread_default_engine(engine, minibench) -> None:
    _, bugs = minibench
    body = "        Thread t = new Thread(() -> { long i = 0; while (true) i++; });\n        t.start();\n        return x + y;"
    check(engine, bugs["ADD"], with_body(bugs["ADD"], body), Status.PLAUSIBLE)


def test_suspending_the_worker_trips_the_parent_watchdog(engine, minibench) -> None:
    _, bugs = minibench
    body = (
        '        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().equals("main")) t.suspend();\n'
        "        return x + y;"
    )
    v = check(engine, bugs["ADD"], with_body(bugs["ADD"], body), Status.TIMEOUT, "killed")
    assert v.test_s >= LIMIT_S + 5 - 0.5


def test_output_flood_cannot_corrupt_the_protocol(engine, minibench) -> None:
    _, bugs = minibench
    noisy = (
        '        for (int i = 0; i < 200000; i++) System.out.println("{\\"id\\":null,\\"status\\":\\"plausible\\"} " + i);\n'
        '        for (int i = 0; i < 20000; i++) System.err.println("noise " + i);\n'
        "        try { java.io.FileOutputStream o = new java.io.FileOutputStream(java.io.FileDescriptor.out);\n"
        '              for (int i = 0; i < 20000; i++) o.write("{\\"status\\":\\"plausible\\"}\\n".getBytes()); } catch (Exception e) { }\n'
        "        return x | y;"
    )
    check(engine, bugs["ADD"], with_body(bugs["ADD"], noisy), Status.FAILING)


def test_files_outside_the_sandbox(engine, minibench, tmp_path: Path) -> None:
    root, bugs = minibench
    outside = tmp_path / "written-by-candidate.txt"
    secret = root / "src/main/java/humaneval/correct/ADD.java"
    write = (
        f'        try {{ java.nio.file.Files.writeString(java.nio.file.Path.of("{outside}"), "pwned"); }}\n'
        "        catch (Exception e) { return -1; }\n"
        "        return x + y;"
    )
    read = (
        f'        try {{ java.nio.file.Files.readString(java.nio.file.Path.of("{secret}")); }}\n'
        "        catch (Exception e) { return -1; }\n"
        "        return x + y;"
    )
    if engine.sandbox_level not in ("bwrap", "namespaces"):
        pytest.skip(
            f"needs sandbox level 'bwrap' or 'namespaces' (bubblewrap, or root with util-linux unshare); here: {engine.sandbox_level!r}"
        )
    check(engine, bugs["ADD"], with_body(bugs["ADD"], write), Status.FAILING)
    assert not outside.exists()
    check(engine, bugs["ADD"], with_body(bugs["ADD"], read), Status.FAILING)


def test_socket(engine, minibench) -> None:
    _, bugs = minibench
    if engine.sandbox_level not in ("bwrap", "namespaces", "net"):
        pytest.skip(
            f"needs sandbox level 'bwrap', 'namespaces' or 'net' (bubblewrap, or root with util-linux unshare); here: {engine.sandbox_level!r}"
        )
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list[object] = []

    def accept() -> None:
        try:
            accepted.append(server.accept())
        except OSError:
            pass

    body = (
        f'        try (java.net.Socket s = new java.net.Socket("127.0.0.1", {port})) {{ return x + y; }}\n'
        "        catch (Exception e) { return -1; }"
    )
    t = threading.Thread(target=accept)
    t.start()
    check(engine, bugs["ADD"], with_body(bugs["ADD"], body), Status.FAILING)
    t.join()
    server.close()
    assert not accepted


def test_unparsable_and_signature_changes(engine, minibench) -> None:
    _, bugs = minibench
    add = bugs["ADD"]
    check(engine, add, "public static int add(int x, int y) { return x + ; ", Status.UNCOMPILABLE, "ADD.java")
    changed = add.fixed_function.replace("int x, int y", "int x, String y").replace("x + y", "x + y.length()")
    check(engine, add, changed, Status.UNCOMPILABLE, "TEST_ADD.java")


def test_other_packages_and_classes(engine, minibench) -> None:
    _, bugs = minibench
    add = bugs["ADD"]
    check(
        engine,
        add,
        "package evil;\npublic class ADD { public static int add(int x, int y) { return x + y; } }",
        Status.UNCOMPILABLE,
    )
    extra = add.fixed_function + "}\nclass Extra {\n    static int v() { return 1; }\n"
    check(engine, add, extra, Status.PLAUSIBLE)
    shadow = add.fixed_function + "}\nclass TEST_ADD {\n"
    check(engine, add, shadow, Status.PLAUSIBLE)  # humaneval.buggy.TEST_ADD, not the test


def test_one_megabyte_candidates(engine, minibench) -> None:
    _, bugs = minibench
    add = bugs["ADD"]
    comment = "/* " + "x" * (1 << 20) + " */\n"
    check(engine, add, comment + add.fixed_function, Status.PLAUSIBLE)
    code = add.fixed_function.replace(
        "return x + y;", "int z = 0;\n" + "        z = z + x;\n" * 70000 + "        return x + y;"
    )
    assert len(code) > 1 << 20
    check(engine, add, code, Status.UNCOMPILABLE, "too large")


def test_non_utf8_bytes(engine, minibench) -> None:
    _, bugs = minibench
    add = bugs["ADD"]
    raw = b"\xff\xfe\xc3\x28 bytes".decode("utf-8", "surrogateescape")  # lone surrogates
    check(
        engine,
        add,
        add.fixed_function.replace("return x + y;", f'String s = "{raw}";\n        return x + y;'),
        Status.PLAUSIBLE,
    )
    check(engine, add, add.fixed_function.replace("return x + y;", f"return x + y; {raw}"), Status.UNCOMPILABLE)
    latin = b"// caf\xe9 \x80\x81\n".decode("latin-1")
    check(engine, add, latin + add.fixed_function, Status.PLAUSIBLE)
    # Through the driver too: grading and the cache survive lone surrogates.
    row = {
        "model": "m",
        "benchmark": "tiny",
        "bug_id": "ADD",
        "candidates": [{"rank": 0, "function": f"/* {raw} */ " + add.fixed_function}],
    }
    out = validate_candidates([add], [row], engine, workers=1, progress=False)
    assert out[0]["status"] == "plausible"
