"""Adversarial candidates against the HOST (issue 20, "The host is reachable"): each candidate
method of the minibench bug ADD tries one attack from inside the validation sandbox (bubblewrap)
of the persistent engine and of the fresh javac + java validator.

Every test asserts what the host sees, whatever status a candidate gets (a bytecode policy may
reject some of them before they run): files outside stay unchanged (the benchmark, a victim
directory, the verdict cache, the host's /dev/shm), nothing secret reaches a verdict, no
connection arrives at a host listener (TCP on the host's addresses, a Unix socket), no
process a candidate started outlives the run. Harmless controls keep their verdicts.

Needs bubblewrap; where it cannot run (a laptop without it) the attack tests are skipped with
the reason, unless FIMREPAIR_REQUIRE_BWRAP=1 (CI sets it: a missing sandbox fails there). The
test that a fallback is recorded loudly runs everywhere Java runs.
``FIMREPAIR_SANDBOX_UNDER_TEST=namespaces`` runs the attacks under an old level instead (to see
them succeed there; the tests then fail).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import JAVA_SKIP_REASON, java_available, with_body, write_minibench

from fimrepair.bugs import extract_bugs
from fimrepair.validate import Engine, FreshValidator, Status, VerdictCache, bwrap, sandbox, validate_candidates

pytestmark = pytest.mark.skipif(not java_available(), reason=JAVA_SKIP_REASON)

LEVEL = os.environ.get("FIMREPAIR_SANDBOX_UNDER_TEST", "bwrap")
TOKEN = "fimrepairtok" + secrets.token_hex(6)


def _need_level() -> None:
    if LEVEL != "bwrap":
        return
    problem = sandbox.bwrap_problem()
    if problem is not None:
        if os.environ.get("FIMREPAIR_REQUIRE_BWRAP") == "1":
            pytest.fail(f"FIMREPAIR_REQUIRE_BWRAP=1 but bubblewrap cannot run here: {problem}")
        pytest.skip(f"bubblewrap cannot run here ({problem}): install Debian 'bubblewrap' (make setup)")


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _host_ip() -> str | None:
    """The host's address on its default route (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
    except OSError:
        return None


class Listener:
    """A TCP listener on all host addresses and a Unix socket listener; records connections."""

    def __init__(self, unix_path: Path) -> None:
        self.tcp = socket.socket()
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("0.0.0.0", 0))
        self.tcp.listen(16)
        self.port = self.tcp.getsockname()[1]
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(str(unix_path))
        os.chmod(unix_path, 0o777)  # even a world-writable socket must be out of reach
        self.unix.listen(16)
        self.accepted: list[str] = []
        self._stop = False
        self._threads = [threading.Thread(target=self._accept, args=(s,), daemon=True) for s in (self.tcp, self.unix)]
        for t in self._threads:
            t.start()

    def _accept(self, sock: socket.socket) -> None:
        sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, addr = sock.accept()
            except OSError:
                continue
            self.accepted.append(f"{sock.family.name} {addr}")
            conn.close()

    def close(self) -> None:
        self._stop = True
        for t in self._threads:
            t.join()
        self.tcp.close()
        self.unix.close()


# --- the candidates ------------------------------------------------------------------------------

PROLOGUE = """        StringBuilder r = new StringBuilder();
        java.util.function.Function<String, String> tail = t -> t.substring(Math.max(0, t.length() - 60));
        java.util.List<String> roots = new java.util.ArrayList<>(java.util.List.of("", "/proc/self/root", "/proc/1/root"));
        java.io.File[] procs = new java.io.File("/proc").listFiles();
        if (procs != null) for (java.io.File p : procs) if (p.getName().matches("[0-9]+")) roots.add(p + "/root");
"""
EPILOGUE = '        throw new AssertionError("REPORT " + r);'


def _java(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def attacks(paths: dict[str, str], port: int, host_ip: str | None) -> dict[str, str]:
    """Attack name -> body of an ADD candidate (see the module doc)."""
    q = {k: _java(v) for k, v in paths.items()}
    ips = ["127.0.0.1", *([host_ip] if host_ip else [])]
    ip_list = ", ".join(f'"{ip}"' for ip in ips)
    return {
        # /proc/<pid>/root of every visible process (the parent's included): read the secret and
        # the benchmark's hidden test source, create files in the host's victim directory.
        "proc_root": f"""
        for (String root : roots) {{
            for (String target : new String[] {{"{q["secret"]}", "{q["test_source"]}", "{q["correct"]}"}}) {{
                try {{ r.append(tail.apply(java.nio.file.Files.readString(java.nio.file.Path.of(root + target)))); }} catch (Throwable e) {{ }}
            }}
            try {{ java.nio.file.Files.writeString(java.nio.file.Path.of(root + "{q["victim"]}/created"), "x"); r.append("created via " + root); }} catch (Throwable e) {{ }}
            try {{ java.nio.file.Files.delete(java.nio.file.Path.of(root + "{q["secret"]}")); r.append("deleted via " + root); }} catch (Throwable e) {{ }}
        }}""",
        # The hidden test sources where a candidate may look for them: the benchmark's path and
        # the working directory (the fresh validator compiles there).
        "read_tests": f"""
        for (String p : new String[] {{"{q["test_source"]}", "{q["correct"]}", "src/test/java/humaneval/TEST_ADD.java",
                                        "src/main/java/humaneval/correct/ADD.java"}}) {{
            try {{ r.append(tail.apply(java.nio.file.Files.readString(java.nio.file.Path.of(p)))); }} catch (Throwable e) {{ }}
        }}
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(java.nio.file.Path.of("."), 8)) {{
            for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) s::iterator)
                if (p.toString().endsWith(".java")) try {{ r.append(tail.apply(java.nio.file.Files.readString(p))); }} catch (Throwable e) {{ }}
        }} catch (Throwable e) {{ }}""",
        # Rewrite the benchmark's test so that a wrong candidate passes in later runs.
        "modify_test": f"""
        for (String root : roots) {{
            try {{ java.nio.file.Files.writeString(java.nio.file.Path.of(root + "{q["test_source"]}"),
                     "package humaneval; public class TEST_ADD {{ @org.junit.Test public void t() {{ }} }}");
                   r.append("rewrote via " + root); }} catch (Throwable e) {{ }}
        }}""",
        # Rewrite every cached verdict to plausible.
        "rewrite_cache": f"""
        for (String root : roots) {{
            try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(java.nio.file.Path.of(root + "{q["cache"]}"))) {{
                for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) s::iterator) {{
                    if (!p.toString().endsWith(".json")) continue;
                    String t = java.nio.file.Files.readString(p).replace("failing", "plausible");
                    java.nio.file.Files.writeString(p, t);
                    r.append("cache via " + root);
                }}
            }} catch (Throwable e) {{ }}
        }}""",
        # Make the root writable again, or unmount what hides the host; then write outside.
        "mount": f"""
        for (String[] cmd : new String[][] {{{{"mount", "-o", "remount,rw", "/"}}, {{"/bin/mount", "-o", "remount,rw", "/"}},
                                             {{"umount", "-l", "/tmp"}}, {{"/usr/bin/umount", "-l", "{q["victim"]}"}}}}) {{
            try {{ r.append(" " + new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor()); }} catch (Throwable e) {{ r.append(" no-" + cmd[0]); }}
        }}
        for (String p : new String[] {{"{q["victim"]}/after-mount", "/after-mount"}}) {{
            try {{ java.nio.file.Files.writeString(java.nio.file.Path.of(p), "x"); r.append(" wrote " + p); }} catch (Throwable e) {{ }}
        }}""",
        # Reach the host's network: directly, and from the host's network namespace (nsenter).
        "network": f"""
        for (String ip : new String[] {{{ip_list}}}) {{
            try (java.net.Socket s = new java.net.Socket()) {{ s.connect(new java.net.InetSocketAddress(ip, {port}), 1000); r.append(" connected " + ip); }} catch (Throwable e) {{ }}
        }}
        for (String root : roots) {{
            if (root.isEmpty()) continue;
            String ns = root.replace("/root", "/ns/net");
            for (String sh : new String[] {{"sh", "bash", "/bin/bash"}}) {{
                try {{ Process p = new ProcessBuilder("nsenter", "--net=" + ns, sh, "-c", "echo x > /dev/tcp/127.0.0.1/{port}").start();
                       p.waitFor(2, java.util.concurrent.TimeUnit.SECONDS); p.destroyForcibly(); }} catch (Throwable e) {{ }}
            }}
        }}""",
        # Connect to a host Unix socket (world-writable), by its path and through /proc/<pid>/root.
        "unix_socket": f"""
        for (String root : roots) {{
            try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(
                     java.net.UnixDomainSocketAddress.of(root + "{q["unix"]}"))) {{ r.append(" unix via " + root); }} catch (Throwable e) {{ }}
        }}""",
        # The host's shared memory.
        "dev_shm": f"""
        try {{ java.nio.file.Files.writeString(java.nio.file.Path.of("/dev/shm/{TOKEN}"), "x"); r.append(" shm written"); }} catch (Throwable e) {{ r.append(" shm " + e); }}""",
        # A shell as root, and what it can do.
        "shell_uid": f"""
        for (String sh : new String[] {{"sh", "/bin/sh", "bash"}}) {{
            try {{ Process p = new ProcessBuilder(sh, "-c", "id -u; touch {q["victim"]}/shell").redirectErrorStream(true).start();
                   r.append(" " + sh + " uid=" + new String(p.getInputStream().readAllBytes()).trim()); }} catch (Throwable e) {{ r.append(" no-" + sh); }}
        }}""",
        # Children meant to outlive the run: setsid/nohup, and a second JVM (the JDK is visible).
        "survivor": f"""
        for (String[] cmd : new String[][] {{{{"setsid", "sh", "-c", "sleep 60 # {TOKEN}"}},
                                             {{"nohup", "sleep", "61", "{TOKEN}"}}}}) {{
            try {{ new ProcessBuilder(cmd).start(); r.append(" started " + cmd[0]); }} catch (Throwable e) {{ }}
        }}
        try {{
            java.nio.file.Path src = java.nio.file.Files.createTempFile("Sleeper", ".java");
            java.nio.file.Files.writeString(src, "public class Sleeper {{ public static void main(String[] a) throws Exception {{ Thread.sleep(60000); }} }}");
            String java = ProcessHandle.current().info().command().orElse("java");
            new ProcessBuilder(java, "-Dtoken={TOKEN}", src.toString()).start();
            r.append(" started java");
        }} catch (Throwable e) {{ r.append(" " + e); }}""",
    }


def controls() -> dict[str, tuple[str, Status]]:
    """Harmless candidates (name -> body, expected status): the sandbox must not change them."""
    return {
        "fixed": ("        return x + y;", Status.PLAUSIBLE),
        "buggy": ("        return x | y;", Status.FAILING),
        "temp_file": (
            "        try {\n"
            '            java.io.File f = java.io.File.createTempFile("cand", ".txt");\n'
            '            java.nio.file.Files.writeString(f.toPath(), "" + (x + y));\n'
            "            int v = Integer.parseInt(java.nio.file.Files.readString(f.toPath()));\n"
            "            f.delete();\n"
            "            return v;\n"
            "        } catch (java.io.IOException e) { throw new RuntimeException(e); }",
            Status.PLAUSIBLE,
        ),
        "output": (
            '        for (int i = 0; i < 2000; i++) System.out.println("line " + i);\n        return x + y;',
            Status.PLAUSIBLE,
        ),
        # Who runs the candidate: reported in the failure message.
        "whoami": (
            "        StringBuilder r = new StringBuilder();\n"
            '        try { for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")))\n'
            '                  if (l.startsWith("Uid:") || l.startsWith("CapEff:") || l.startsWith("NoNewPrivs:")) r.append(l).append(";");\n'
            "        } catch (java.io.IOException e) { r.append(e); }\n"
            '        throw new AssertionError("REPORT " + r);',
            Status.FAILING,
        ),
    }


# --- the scenario ----------------------------------------------------------------------------------


@pytest.fixture
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A benchmark with secret tokens in its hidden sources, a victim directory, a Unix socket,
    a TCP listener: what the attacks aim at."""
    root = write_minibench(tmp_path_factory.mktemp("bench"))
    test_source = root / "src/test/java/humaneval/TEST_ADD.java"
    correct = root / "src/main/java/humaneval/correct/ADD.java"
    test_source.write_text(test_source.read_text() + f"// {TOKEN}-test\n")
    correct.write_text(correct.read_text() + f"// {TOKEN}-correct\n")
    bugs = {b.bug_id: b for b in extract_bugs(root, "tiny")}
    victim = tmp_path_factory.mktemp("victim")
    os.chmod(victim, 0o777)  # even world-writable: out of reach
    (victim / "secret.txt").write_text(f"{TOKEN}-secret\n")
    os.chmod(victim / "secret.txt", 0o666)
    sock_dir = tmp_path_factory.mktemp("sock")
    os.chmod(sock_dir, 0o777)
    listener = Listener(sock_dir / "host.sock")
    paths = {
        "secret": str(victim / "secret.txt"),
        "test_source": str(test_source),
        "correct": str(correct),
        "victim": str(victim),
        "unix": str(sock_dir / "host.sock"),
    }
    yield {"root": root, "bugs": bugs, "victim": victim, "listener": listener, "paths": paths}
    listener.close()


def _survivors() -> list[int]:
    """Host processes whose command line carries this session's token."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if TOKEN.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _run_suite(host: dict[str, Any], make_validator, tmp_path: Path) -> None:
    root, add = host["root"], host["bugs"]["ADD"]
    cache_dir = tmp_path / "cache"
    paths = dict(host["paths"], cache=str(cache_dir))
    bench_before = _tree_digest(root)
    ctl = controls()
    ctl_rows = [
        {
            "model": "control",
            "benchmark": "tiny",
            "bug_id": "ADD",
            "candidates": [{"rank": i, "function": with_body(add, body)} for i, (body, _) in enumerate(ctl.values())],
        }
    ]
    atk = attacks(paths, host["listener"].port, _host_ip())
    atk_rows = [
        {
            "model": "attack",
            "benchmark": "tiny",
            "bug_id": "ADD",
            "candidates": [
                {"rank": i, "function": with_body(add, PROLOGUE + body + "\n" + EPILOGUE)}
                for i, body in enumerate(atk.values())
            ],
        }
    ]
    cache = VerdictCache(cache_dir)
    validator = make_validator(root)
    try:
        assert validator.sandbox_level == LEVEL
        before = validate_candidates([add], ctl_rows, validator, workers=2, progress=False, cache=cache)
        cache_before = _tree_digest(cache_dir)
        t0 = time.monotonic()
        out = validate_candidates([add], atk_rows, validator, workers=2, progress=False)
        attack_s = time.monotonic() - t0
    finally:
        close = getattr(validator, "close", None)
        if close is not None:
            close()
    time.sleep(1.0)
    survivors = _survivors()
    for pid in survivors:  # started by this test's candidates: clean up, then fail
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    by_name = dict(zip(atk, out, strict=True))
    report = {name: (row["status"], row["message"]) for name, row in by_name.items()}
    problems = []  # every failed check, so that one run shows all of them

    def check(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    # The host is unchanged, nothing secret reached a verdict, no attack is plausible.
    check(_tree_digest(root) == bench_before, "the benchmark's files changed")
    created = sorted(p.name for p in host["victim"].iterdir())
    check(created == ["secret.txt"], f"files appeared in the victim directory: {created}")
    check(
        (host["victim"] / "secret.txt").is_file()
        and (host["victim"] / "secret.txt").read_text() == f"{TOKEN}-secret\n",
        "the victim's secret file was changed or deleted",
    )
    shm = Path(f"/dev/shm/{TOKEN}")
    check(not shm.exists(), "a candidate wrote the host's /dev/shm")
    shm.unlink(missing_ok=True)
    check(_tree_digest(cache_dir) == cache_before, "the verdict cache changed")
    check(not host["listener"].accepted, f"connections reached the host: {host['listener'].accepted}")
    check(not survivors, f"processes outlived the run: {survivors}")
    dumped = json.dumps(out + before)
    check(TOKEN not in dumped, "a secret (victim file or hidden benchmark source) reached a verdict")
    check(all(r["status"] != "plausible" for r in out), "an attack candidate is plausible")
    # The controls' verdicts, and who runs a candidate.
    for (name, (_, expected)), row in zip(ctl.items(), before, strict=True):
        check(row["status"] == expected.value, f"control {name}: {row['status']} ({row['message']})")
        check(row["sandbox"] == LEVEL, f"control {name} recorded sandbox {row['sandbox']}")
    whoami = before[list(ctl).index("whoami")]["message"] or ""
    if LEVEL == "bwrap":
        check(f"Uid:\t{bwrap.SANDBOX_UID}\t" in whoami, f"not uid {bwrap.SANDBOX_UID}: {whoami}")
    check("Uid:\t0\t" not in whoami, f"candidates run as root: {whoami}")
    check("CapEff:\t0000000000000000" in whoami and "NoNewPrivs:\t1" in whoami, f"capabilities/no_new_privs: {whoami}")
    assert not problems, "\n".join([*problems, f"attack verdicts: {report}"])
    # The cache still serves the controls' own verdicts.
    validator2 = make_validator(root)
    try:
        stats: dict[str, int] = {}
        again = validate_candidates([add], ctl_rows, validator2, workers=1, progress=False, cache=cache, stats=stats)
    finally:
        if getattr(validator2, "close", None) is not None:
            validator2.close()
    assert stats["cached"] == stats["tasks"] == len(ctl)
    assert [r["status"] for r in again] == [r["status"] for r in before]
    logging.getLogger(__name__).info("attacks took %.1f s: %s", attack_s, report)


# The attacks run with the bytecode policy off: it rejects most of them (files, sockets,
# processes) before they run, and these tests are about what the sandbox holds on its own.
def test_host_attacks_engine(host, tmp_path: Path) -> None:
    _need_level()
    _run_suite(
        host,
        lambda root: Engine(
            root,
            workers=2,
            per_candidate_timeout_s=20,
            compile_grace_s=10,
            heap_mb=256,
            sandbox=LEVEL,
            bytecode_policy=False,
        ),
        tmp_path,
    )


def test_host_attacks_fresh(host, tmp_path: Path) -> None:
    _need_level()
    _run_suite(
        host,
        lambda root: FreshValidator(root, per_candidate_timeout_s=20, sandbox=LEVEL, bytecode_policy=False),
        tmp_path,
    )


def test_fallback_is_recorded_loudly(monkeypatch, caplog, tmp_path: Path) -> None:
    """Where bubblewrap cannot run, ``auto`` falls back with a WARNING naming why, and every
    verdict row (and the cache key) says which level decided it."""
    root = write_minibench(tmp_path / "bench")
    add = {b.bug_id: b for b in extract_bugs(root, "tiny")}["ADD"]
    monkeypatch.setattr(sandbox, "bwrap_problem", lambda java="java": "simulated: no bwrap on this laptop")
    sandbox.probe.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="fimrepair.validate.sandbox"):
            validator = FreshValidator(root, per_candidate_timeout_s=20)
        assert validator.sandbox_level in ("namespaces", "net", "none")
        warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert any("SANDBOX FALLBACK" in m and "simulated: no bwrap" in m for m in warned), warned
        row = {
            "model": "m",
            "benchmark": "tiny",
            "bug_id": "ADD",
            "candidates": [{"rank": 0, "function": add.fixed_function}],
        }
        out = validate_candidates([add], [row], validator, workers=1, progress=False)
        assert out[0]["status"] == "plausible" and out[0]["sandbox"] == validator.sandbox_level
        assert validator.verdict_settings()["sandbox"] == validator.sandbox_level
        with pytest.raises(RuntimeError, match="simulated"):
            sandbox.probe.cache_clear()
            sandbox.probe("bwrap")
    finally:
        sandbox.probe.cache_clear()


SLEEPER = f"""
        try {{
            java.nio.file.Path src = java.nio.file.Files.createTempFile("Sleeper", ".java");
            java.nio.file.Files.writeString(src, "public class Sleeper {{ public static void main(String[] a) throws Exception {{ Thread.sleep(60000); }} }}");
            new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Dtoken={TOKEN}-loop", src.toString()).start();
            Thread.sleep(4000);
        }} catch (Throwable e) {{ }}
        while (true) {{ x++; }}"""


@pytest.mark.parametrize("engine", ["engine", "fresh"])
def test_a_killed_sandbox_leaves_no_process(minibench, engine: str) -> None:
    """A looping candidate that started a child JVM hits the hard limit: its sandbox is killed,
    with the child (killing bwrap's process group alone left the sandbox running)."""
    _need_level()
    root, bugs = minibench
    add = bugs["ADD"]
    loop = with_body(add, SLEEPER)
    seen: list[int] = []
    running = threading.Event()
    running.set()

    def watch() -> None:  # the child JVM did run (else "no survivor" proves nothing)
        while running.is_set() and not seen:
            seen.extend(_survivors())
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    if engine == "engine":
        with Engine(
            root,
            workers=1,
            per_candidate_timeout_s=6,
            compile_grace_s=2,
            heap_mb=128,
            sandbox=LEVEL,
            bytecode_policy=False,
        ) as eng:
            v = eng.validate(add, loop)
            time.sleep(1.0)
            survivors = _survivors()
            assert eng.validate(add, add.fixed_function).status is Status.PLAUSIBLE
    else:
        v = FreshValidator(root, per_candidate_timeout_s=8, sandbox=LEVEL, bytecode_policy=False).validate(add, loop)
        time.sleep(1.0)
        survivors = _survivors()
    running.clear()
    watcher.join()
    for pid in survivors:  # started by this test's candidate: clean up, then fail
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert v.status is Status.TIMEOUT, v
    assert seen, "the candidate's child JVM was never seen running"
    assert not survivors
