"""The "fresh process" validation engine: one ``javac`` and one ``java`` per candidate.

Per candidate, in a new temporary directory:

1. the bug's buggy class with the candidate method spliced in, and the bug's test class, are
   compiled by ONE ``javac`` call (argument list, no shell);
2. ``FailFastRunner`` (``fimrepair/java/FailFastRunner.java``, compiled once per machine into a
   per-user cache directory keyed by its source hash and the javac version, with the classes it
   shares with the engine's worker: ``CandidatePolicy``, ``FirstFailureListener``) runs the test
   class in a fresh ``java`` process in its own process group, methods in name order,
   stopping at the first failure, and writes one JSON line to a result file;
3. a hard per-candidate limit kills the whole process group (``timeout``); a JVM that exits
   without a result (``System.exit`` in the candidate, OutOfMemoryError) is a ``crash``.

Candidate stdout/stderr go to files in the temporary directory and are only read (capped) to
explain a crash; the verdict comes from the result file alone. The classpath is the compiled
candidate + test, the configured jars and the runner: never the benchmark's own classes.

Slow (~0.5-0.8 s per candidate, javac dominates) but simple and fully isolated; a
persistent-JVM engine can implement the same :class:`~fimrepair.validate.verdict.Validator`
protocol beside it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fimrepair.bugs import Bug, PlacementError, place, test_source_path
from fimrepair.config import ValidationSpec
from fimrepair.validate import bwrap
from fimrepair.validate import sandbox as sandboxing
from fimrepair.validate.javac import (
    compile_java_class,
    default_jars,
    first_error,
    jars_digest,
    jdk_version,
    sources_digest,
)
from fimrepair.validate.policy import harness_sources, trusted_names
from fimrepair.validate.processes import read_capped, run_limited
from fimrepair.validate.verdict import Status, Verdict, report_outcome

#: Bumped whenever this validator's semantics change (part of the result-cache key:
#: :meth:`FreshValidator.verdict_settings`).
FRESH_VERSION = "fresh-5"

#: The limits when none are given: the workflow's (``validation``, defaults from the schema).
DEFAULT_LIMITS = ValidationSpec()

RUNNER_CLASS = "FailFastRunner"
JVM_OPTIONS = ("-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC", "-Djava.awt.headless=true")
#: javac runs a few hundred ms, dominated by start-up: the C1-only JIT cuts it by ~1/3 here.
#: (Not used for the test JVM: a C1-only JVM could push heavy tests past their 3 s timeouts.)
JAVAC_OPTIONS = ("-J-XX:TieredStopAtLevel=1", "-proc:none", "-nowarn", "-encoding", "UTF-8")
#: Exit codes of the test JVM: 3 = -XX:+ExitOnOutOfMemoryError; 70 = FailFastRunner could not
#: run the test class.
EXIT_OOM = 3
EXIT_RUNNER_ERROR = 70


def compile_runner(javac: str, jars: Sequence[Path], cache_root: Path | None = None) -> Path:
    """The directory holding ``FailFastRunner.class`` (and the classes it shares with the
    engine's worker), compiling it on first use."""
    return compile_java_class(RUNNER_CLASS, harness_sources(RUNNER_CLASS), javac, jars, cache_root)


def _crash_message(code: int, work: Path) -> str:
    """Why the test JVM ended without a result, from its exit code and output tails."""
    out = read_capped(work / "stdout.txt", 2048)
    err = read_capped(work / "stderr.txt", 2048).strip()
    if code == EXIT_OOM and "java.lang.OutOfMemoryError" in out + err:
        return "test JVM ran out of memory (-Xmx512m, ExitOnOutOfMemoryError)"
    if code == EXIT_RUNNER_ERROR:
        return f"FailFastRunner could not run the tests: {err[-400:]}"
    if code < 0:
        reason = f"killed by signal {-code}"
    else:
        reason = f"exited with code {code} (System.exit in the candidate?)"
    return f"test JVM {reason} without a result" + (f": {err[-300:]}" if err else "")


class FreshValidator:
    """Validate candidates with a fresh ``javac`` + ``java`` per candidate.

    ``per_candidate_timeout_s`` bounds the test run; it should exceed the JUnit timeouts of one
    failing test (3 s in HumanEval-Java), as the runner stops at the first failure. The
    compilation is bounded separately, by ``compile_timeout_s`` (default: the larger of
    ``compile_grace_s`` and ``per_candidate_timeout_s``). ``java_level``: the Java release to compile at (``javac
    --release``); None = the installed JDK's default. ``support_sources``: the benchmark's
    other classes (relative path -> text), compiled with every candidate. ``sandbox``: auto |
    bwrap | namespaces | net | none (:mod:`fimrepair.validate.sandbox`): under ``bwrap`` javac
    and the test JVM see only the JDK, the jars, the runner (read-only) and the candidate's
    temporary directory (mounted read-write at ``/sandbox``).
    ``default_test_timeout_ms``: the benchmark's per-test limit for test methods without their
    own ``@Test(timeout=...)`` (None: none). ``bytecode_policy``: reject candidates whose classes
    break :mod:`fimrepair.validate.policy` before any test runs. Thread-safe: every call uses its
    own temporary directory.
    """

    def __init__(
        self,
        benchmark_root: Path,
        jars: Sequence[Path] | None = None,
        per_candidate_timeout_s: float = DEFAULT_LIMITS.per_candidate_timeout_s,
        java: str = "java",
        javac: str = "javac",
        compile_timeout_s: float | None = None,
        compile_grace_s: float = DEFAULT_LIMITS.compile_grace_s,
        java_level: int | None = None,
        support_sources: dict[str, str] | None = None,
        sandbox: str = "auto",
        default_test_timeout_ms: int | None = None,
        bytecode_policy: bool = True,
    ) -> None:
        self.support_sources = dict(support_sources or {})
        self.default_test_timeout_ms = None if default_test_timeout_ms is None else int(default_test_timeout_ms)
        self.bytecode_policy = bool(bytecode_policy)
        self.benchmark_root = Path(benchmark_root)
        self.jars = [Path(j) for j in (default_jars() if jars is None else jars)]
        missing = [str(j) for j in self.jars if not j.is_file()]
        if missing:
            raise FileNotFoundError(f"FreshValidator: jar(s) not found: {', '.join(missing)}")
        self.per_candidate_timeout_s = float(per_candidate_timeout_s)
        self.compile_timeout_s = float(
            compile_timeout_s if compile_timeout_s is not None else max(compile_grace_s, per_candidate_timeout_s)
        )
        for tool in (java, javac):
            if shutil.which(tool) is None:
                raise FileNotFoundError(f"FreshValidator: {tool!r} not found on PATH")
        self.java = java
        self.javac = javac
        self.java_level = None if java_level is None else int(java_level)
        self.sandbox_level = sandboxing.probe(sandbox)
        self._runner_dir: Path | None = None
        self._lock = threading.Lock()

    def runner_dir(self) -> Path:
        with self._lock:
            if self._runner_dir is None:
                self._runner_dir = compile_runner(self.javac, self.jars)
            return self._runner_dir

    def _sources(self, bug: Bug, function: str) -> tuple[str, Path, str, Path]:
        """(patched class text, its relative path, test text, its relative path)."""
        buggy_rel = Path(bug.buggy_class)
        buggy_src = (self.benchmark_root / buggy_rel).read_text(encoding="utf-8")
        patched = place(buggy_src, bug, function)
        test_rel = Path(test_source_path(bug))
        test_src = (self.benchmark_root / test_rel).read_text(encoding="utf-8")
        return patched, buggy_rel, test_src, test_rel

    javac_options: tuple[str, ...] = JAVAC_OPTIONS

    def verdict_settings(self) -> dict[str, Any]:
        """Everything besides the bug and the candidate that can change a verdict (part of the
        result-cache key): this validator's version, its limits, javac and JVM options, the Java
        level, the JDK and the jars."""
        return {
            "engine": f"{FRESH_VERSION}:{type(self).__name__}",
            "per_candidate_timeout_s": self.per_candidate_timeout_s,
            "compile_timeout_s": self.compile_timeout_s,
            "javac_options": list(self.javac_options),
            "jvm_options": list(JVM_OPTIONS),
            "java_level": self.java_level,
            "jdk": jdk_version(self.java, self.javac),
            "jars": jars_digest(self.jars),
            "support": sources_digest(self.support_sources),
            "sandbox": self.sandbox_level,
            "default_test_timeout_ms": self.default_test_timeout_ms,
            "bytecode_policy": self.bytecode_policy,
        }

    def _contained(self, cmd: list[str], work: Path, stdout: Path, stderr: Path, limit_s: float) -> int | None:
        """Run ``cmd`` (in ``work``: paths relative to it; the runner's directory spelled
        ``<INSIDE_OPT>/runner``, as the sandbox sees it) at this validator's sandbox level, with
        :func:`~fimrepair.validate.processes.run_limited`. Relative paths keep javac's messages free of temporary paths."""
        if self.sandbox_level != "bwrap":
            runner = f"{bwrap.INSIDE_OPT}/runner"
            if any(runner in c for c in cmd):
                cmd = [c.replace(runner, str(self.runner_dir())) for c in cmd]
            wrapped = sandboxing.wrap(self.sandbox_level, cmd, work, [self.benchmark_root.resolve(), Path.cwd()])
            return run_limited(wrapped, work, stdout, stderr, limit_s)
        tools = [self.java, self.javac]
        inside = [bwrap.inside_tool(c) if c in tools else c for c in cmd]
        ro = []
        if (work / ".runner").is_dir():
            ro.append((work / ".runner", f"{bwrap.INSIDE_OPT}/runner"))
        info = os.pipe()
        wrapped = bwrap.bwrap_command(
            inside,
            info_fd=info[1],
            tools=tools,
            jars=self.jars,
            ro=ro,
            rw=[(work, bwrap.INSIDE_WORK)],
            chdir=bwrap.INSIDE_WORK,
            env={"LANG": "C.UTF-8", "HOME": bwrap.INSIDE_WORK, "TMPDIR": "/tmp", "PATH": "/usr/bin"},
        )
        return run_limited(wrapped, work, stdout, stderr, limit_s, info=info, **bwrap.popen_kwargs())

    def validate(self, bug: Bug, function: str) -> Verdict:
        if function is None or not str(function).strip():
            return Verdict(Status.UNCOMPILABLE, message="empty candidate")
        try:
            patched, buggy_rel, test_src, test_rel = self._sources(bug, function)
        except PlacementError as err:
            return Verdict(Status.UNCOMPILABLE, message=str(err))
        support = {Path(rel): text for rel, text in self.support_sources.items()}
        with tempfile.TemporaryDirectory(prefix=f"fimrepair-{bug.bug_id}-", ignore_cleanup_errors=True) as tmp:
            work = Path(tmp)
            for rel, text in ((buggy_rel, patched), (test_rel, test_src), *support.items()):
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                (work / rel).write_text(text, encoding="utf-8")
            (work / "out").mkdir()
            if self.sandbox_level == "bwrap":
                # The sandbox user reads the sources and writes out/ and the result file.
                shutil.copytree(self.runner_dir(), work / ".runner")
                bwrap.make_readable(work)
                bwrap.prepare_writable(work)
                bwrap.prepare_writable(work / "out")
            release = [] if self.java_level is None else ["--release", str(self.java_level)]
            compile_cmd = [
                self.javac,
                *self.javac_options,
                *release,
                "-d",
                "out",
                "-cp",
                os.pathsep.join(map(str, self.jars)),
                str(buggy_rel),
                str(test_rel),
                *map(str, support),
            ]
            t0 = time.monotonic()
            code = self._contained(compile_cmd, work, work / "javac.out", work / "javac.err", self.compile_timeout_s)
            compile_s = time.monotonic() - t0
            if code is None:
                return Verdict(
                    Status.TIMEOUT, message=f"javac exceeded {self.compile_timeout_s:g} s", compile_s=compile_s
                )
            if code != 0:
                output = read_capped(work / "javac.out", 1 << 16) + read_capped(work / "javac.err", 1 << 16)
                return Verdict(
                    Status.UNCOMPILABLE, message=first_error(output) or f"javac exit code {code}", compile_s=compile_s
                )
            # The test run sees the compiled classes, never the sources: the bug's test source
            # (and the benchmark's other sources) are hidden from the candidate's code. The
            # policy's trusted imports are read from the patched file before it goes.
            trusted = trusted_names(patched, self.support_sources)
            for rel in (buggy_rel, test_rel, *support):
                (work / rel).unlink(missing_ok=True)
            t0 = time.monotonic()
            code = self._run_tests(work, bug, trusted)
            test_s = time.monotonic() - t0
            if code is None:
                return Verdict(
                    Status.TIMEOUT,
                    message=f"tests exceeded the hard limit of {self.per_candidate_timeout_s:g} s",
                    compile_s=compile_s,
                    test_s=test_s,
                )
            return dataclasses.replace(self._verdict(work, code), compile_s=compile_s, test_s=test_s)

    def _run_tests(self, work: Path, bug: Bug, trusted: str) -> int | None:
        """Run the bug's tests on the compiled classes in ``work/out``: the JVM's exit code, or
        None when the hard limit expired. ``trusted``: the policy's names imported by the bug's
        own file."""
        self.runner_dir()
        classpath = os.pathsep.join(["out", *map(str, self.jars), f"{bwrap.INSIDE_OPT}/runner"])
        run_cmd = [self.java, *JVM_OPTIONS, "-cp", classpath, RUNNER_CLASS, "result.json", bug.test_class]
        run_cmd += [str(self.default_test_timeout_ms or 0)]
        if self.bytecode_policy:
            run_cmd += [trusted or "-", *self._candidate_classes(work / "out", bug)]
        else:
            run_cmd += ["-"]
        return self._contained(run_cmd, work, work / "stdout.txt", work / "stderr.txt", self.per_candidate_timeout_s)

    def _candidate_classes(self, out: Path, bug: Bug) -> list[str]:
        """Binary names of the classes javac made of the candidate's file: every class in
        ``out`` except the test class's and the support classes' (and their nested classes)."""
        theirs = [bug.test_class] + [str(Path(rel).with_suffix("")).replace("/", ".") for rel in self.support_sources]
        names = []
        for path in sorted(out.rglob("*.class")):
            name = str(path.relative_to(out).with_suffix("")).replace(os.sep, ".")
            if not any(name == t or name.startswith(t + "$") for t in theirs):
                names.append(name)
        return names

    def _verdict(self, work: Path, code: int) -> Verdict:
        """The verdict from FailFastRunner's result file (never from the candidate's output)."""
        result = work / "result.json"
        payload = None
        if code == 0 and result.is_file():
            try:
                payload = json.loads(result.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                payload = None
        reported = (Status.PLAUSIBLE.value, Status.FAILING.value, Status.TIMEOUT.value, Status.REJECTED.value)
        if payload is None or payload.get("status") not in reported:
            return Verdict(Status.CRASH, message=_crash_message(code, work))
        status, failing_test, message = report_outcome(payload)
        return Verdict(status, failing_test=failing_test, message=message)


_JUNITCORE_FAILURE = re.compile(r"^1\) (\S+)\((\S+)\)", re.M)


class JUnitCoreValidator(FreshValidator):
    """The plain fresh-process baseline that peers' harnesses amount to: ``javac`` with
    default settings, then ``java org.junit.runner.JUnitCore <test>`` running EVERY test, the
    verdict read from the exit code (0: all passed). Used by ``bench/validate_throughput.py``
    as the baseline; the pipeline uses the engine."""

    javac_options = ("-nowarn", "-encoding", "UTF-8")

    def _run_tests(self, work: Path, bug: Bug, trusted: str) -> int | None:
        classpath = os.pathsep.join(["out", *map(str, self.jars)])
        run_cmd = [self.java, "-Xmx512m", "-cp", classpath, "org.junit.runner.JUnitCore", bug.test_class]
        return self._contained(run_cmd, work, work / "stdout.txt", work / "stderr.txt", self.per_candidate_timeout_s)

    def _verdict(self, work: Path, code: int) -> Verdict:
        out = read_capped(work / "stdout.txt", 1 << 20)
        if code == 0 and "\nOK (" in out:
            return Verdict(Status.PLAUSIBLE)
        found = _JUNITCORE_FAILURE.search(out)
        if code == 1 and found:
            return Verdict(Status.FAILING, failing_test=f"{found.group(2).rsplit('.', 1)[-1]}.{found.group(1)}")
        return Verdict(Status.CRASH, message=f"JUnitCore exited with code {code}")
