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
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fimrepair.bugs import Bug, PlacementError, place, test_source_path
from fimrepair.config import ValidationSpec
from fimrepair.validate import sandbox as sandboxing
from fimrepair.validate.policy import harness_sources, trusted_names
from fimrepair.validate.verdict import Status, Verdict, report_outcome

#: Bumped whenever this validator's semantics change (part of the result-cache key:
#: :meth:`FreshValidator.verdict_settings`).
FRESH_VERSION = "fresh-5"

#: The limits when none are given: the workflow's (``validation``, defaults from the schema).
DEFAULT_LIMITS = ValidationSpec()

SHARE_JAVA = Path("/usr/share/java")
#: Jars a HumanEval-Java test run needs on Java 17: JUnit 4 + Hamcrest, JAXB (STRING_TO_MD5)
#: and Rhino (the correct DO_ALGEBRA evaluates JavaScript; Nashorn is gone from Java 15).
DEFAULT_JAR_NAMES = ("junit4.jar", "hamcrest-core.jar", "jaxb-api.jar", "rhino.jar")
RUNNER_CLASS = "FailFastRunner"
JVM_OPTIONS = ("-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC", "-Djava.awt.headless=true")
#: javac runs a few hundred ms, dominated by start-up: the C1-only JIT cuts it by ~1/3 here.
#: (Not used for the test JVM: a C1-only JVM could push heavy tests past their 3 s timeouts.)
JAVAC_OPTIONS = ("-J-XX:TieredStopAtLevel=1", "-proc:none", "-nowarn", "-encoding", "UTF-8")
#: Exit codes of the test JVM: 3 = -XX:+ExitOnOutOfMemoryError; 70 = FailFastRunner could not
#: run the test class.
EXIT_OOM = 3
EXIT_RUNNER_ERROR = 70
OUTPUT_READ_CAP = 8192


def default_jars() -> list[Path]:
    """The default jars (:data:`DEFAULT_JAR_NAMES` under /usr/share/java) that exist here."""
    return [SHARE_JAVA / name for name in DEFAULT_JAR_NAMES if (SHARE_JAVA / name).is_file()]


@functools.cache
def jdk_version(java: str, javac: str) -> str:
    """``java -version`` and ``javac -version`` as they print them: the JDK that decides verdicts."""
    out = []
    for cmd in ([java, "-version"], [javac, "-version"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        out.append((proc.stdout + proc.stderr).strip())
    return "\n".join(out)


@functools.cache
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def jars_digest(jars: Sequence[Path]) -> list[list[str]]:
    """``[name, sha256]`` of each jar on the test classpath, in order (hashed once per file
    version): another JUnit or Rhino can change a verdict."""
    out = []
    for jar in jars:
        st = Path(jar).stat()
        out.append([Path(jar).name, _file_digest(str(jar), st.st_size, st.st_mtime_ns)])
    return out


def _cache_root() -> Path:
    """A per-user cache directory: $XDG_CACHE_HOME or ~/.cache, else the temp dir."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidate = Path(base) / "fimrepair"
    try:
        candidate.mkdir(parents=True, exist_ok=True)
        if os.access(candidate, os.W_OK):
            return candidate
    except OSError:
        pass
    fallback = Path(tempfile.gettempdir()) / f"fimrepair-{os.getuid()}"
    fallback.mkdir(mode=0o700, parents=True, exist_ok=True)
    return fallback


_COMPILE_LOCK = threading.Lock()


def compile_java_class(
    class_name: str, sources: Mapping[str, str], javac: str, jars: Sequence[Path], cache_root: Path | None = None
) -> Path:
    """The directory holding ``<class_name>.class`` and the other classes of ``sources`` (file
    name -> Java text, default package; nested classes included), compiled together in one
    ``javac`` call on first use.

    Keyed by the sources and ``javac -version``; safe against concurrent threads (lock) and
    processes (compile into a private directory, then an atomic rename).
    """
    version = subprocess.run([javac, "-version"], capture_output=True, text=True, check=False)
    text = "".join(f"{name}\0{sources[name]}\0" for name in sorted(sources))
    key = hashlib.sha256((text + version.stdout + version.stderr).encode("utf-8")).hexdigest()[:16]
    root = cache_root or _cache_root()
    target = root / f"{class_name.lower()}-{key}"
    with _COMPILE_LOCK:
        if (target / f"{class_name}.class").is_file():
            return target
        work = Path(tempfile.mkdtemp(prefix=f".{class_name.lower()}-{key}-", dir=root))
        try:
            for name, source in sources.items():
                (work / name).write_text(source, encoding="utf-8")
            cmd = [
                javac,
                "-nowarn",
                "-encoding",
                "UTF-8",
                "-cp",
                os.pathsep.join(map(str, jars)),
                "-d",
                ".",
                *sorted(sources),
            ]
            proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise RuntimeError(
                    f"cannot compile {', '.join(sorted(sources))} with {javac} against {[str(j) for j in jars]} "
                    f"(is junit4.jar among the jars?):\n{proc.stdout}{proc.stderr}"
                )
            for name in sources:
                (work / name).unlink()
            try:
                os.replace(work, target)
            except OSError:
                if not (target / f"{class_name}.class").is_file():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def sources_digest(sources: dict[str, str]) -> str | None:
    """sha256 of (path, text) pairs in path order; None when there are none."""
    if not sources:
        return None
    h = hashlib.sha256()
    for rel in sorted(sources):
        h.update(hashlib.sha256(f"{rel}\0{sources[rel]}".encode("utf-8", "surrogatepass")).digest())
    return h.hexdigest()


def compile_support(sources: dict[str, str], javac: str, jars: Sequence[Path], java_level: int | None = None) -> Path:
    """A new temporary directory with ``sources`` (relative path -> Java text: the classes a
    benchmark's bugs and tests need besides the bug's class) compiled in one ``javac`` call at
    ``java_level``. The caller removes it."""
    out = Path(tempfile.mkdtemp(prefix="fimrepair-support-"))
    with tempfile.TemporaryDirectory(prefix="fimrepair-support-src-") as tmp:
        files = []
        for rel, text in sorted(sources.items()):
            (Path(tmp) / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / rel).write_text(text, encoding="utf-8")
            files.append(rel)
        release = [] if java_level is None else ["--release", str(java_level)]
        cmd = [
            javac,
            "-nowarn",
            "-encoding",
            "UTF-8",
            *release,
            "-cp",
            os.pathsep.join(map(str, jars)),
            "-d",
            str(out),
            *files,
        ]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        raise RuntimeError(f"cannot compile the benchmark's support classes {files}:\n{proc.stdout}{proc.stderr}")
    return out


def compile_runner(javac: str, jars: Sequence[Path], cache_root: Path | None = None) -> Path:
    """The directory holding ``FailFastRunner.class`` (and the classes it shares with the
    engine's worker), compiling it on first use."""
    return compile_java_class(RUNNER_CLASS, harness_sources(RUNNER_CLASS), javac, jars, cache_root)


_DIAGNOSTIC = re.compile(r"^(\S.*):\d+: (error|warning): ")
_CARET = re.compile(r"^\s*\^\s*$")
_END = re.compile(r"^(\d+ (errors?|warnings?)|Note: .*)$")


def first_error(output: str) -> str:
    """The first ``javac`` error without its position: ``<file>: error: <text>`` and the detail
    lines javac prints after it (``symbol:``, ``location:``, ``required:``...), but not the line
    number, the quoted source line or the caret. Those depend on the candidate's layout, and a
    verdict must not: it is cached and shared by every candidate that normalises to the same
    text (:mod:`fimrepair.validate.cache`). The whole output's start when no error is found."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        m = _DIAGNOSTIC.match(line)
        if m is None or m.group(2) != "error":
            continue
        picked = [f"{m.group(1)}: error: {line[m.end() :]}"]
        rest = lines[i + 1 :]
        if len(rest) >= 2 and _CARET.match(rest[1]):
            rest = rest[2:]  # the quoted source line and its caret
        for follow in rest:
            if _DIAGNOSTIC.match(follow) or _END.match(follow):
                break
            picked.append(follow)
        return "\n".join(picked)
    return output.strip()


def _read_capped(path: Path, cap: int = OUTPUT_READ_CAP) -> str:
    """The last ``cap`` bytes of ``path`` (decoded leniently); '' when it does not exist."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - cap))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _crash_message(code: int, work: Path) -> str:
    """Why the test JVM ended without a result, from its exit code and output tails."""
    out = _read_capped(work / "stdout.txt", 2048)
    err = _read_capped(work / "stderr.txt", 2048).strip()
    if code == EXIT_OOM and "java.lang.OutOfMemoryError" in out + err:
        return "test JVM ran out of memory (-Xmx512m, ExitOnOutOfMemoryError)"
    if code == EXIT_RUNNER_ERROR:
        return f"FailFastRunner could not run the tests: {err[-400:]}"
    if code < 0:
        reason = f"killed by signal {-code}"
    else:
        reason = f"exited with code {code} (System.exit in the candidate?)"
    return f"test JVM {reason} without a result" + (f": {err[-300:]}" if err else "")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL not honoured
        proc.kill()
        proc.wait()


def _run_limited(
    cmd: list[str],
    cwd: Path,
    stdout: Path,
    stderr: Path,
    limit_s: float,
    info: tuple[int, int] | None = None,
    **popen: Any,
) -> int | None:
    """Run ``cmd`` in its own process group with output to files; its exit code, or None when
    ``limit_s`` expired (the whole group is then killed). ``info``: the (read, write) ends of
    the pipe ``cmd`` (bwrap) got as ``--info-fd``: on expiry the sandbox's PID 1 is killed too
    (:class:`~fimrepair.validate.sandbox.SandboxInit`). ``popen``: more Popen arguments."""
    init = None
    with stdout.open("wb") as out, stderr.open("wb") as err:
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                pass_fds=(info[1],) if info else (),
                **popen,
            )
        except BaseException:
            if info:
                os.close(info[0])
            raise
        finally:
            if info:
                os.close(info[1])
        if info:
            init = sandboxing.watch(info[0])
        try:
            return proc.wait(timeout=limit_s)
        except BaseException as exc:
            if init is not None:
                init.kill()
            _kill_group(proc)
            if isinstance(exc, subprocess.TimeoutExpired):
                return None
            raise
        finally:
            if init is not None:
                init.release()


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
        :func:`_run_limited`. Relative paths keep javac's messages free of temporary paths."""
        if self.sandbox_level != "bwrap":
            runner = f"{sandboxing.INSIDE_OPT}/runner"
            if any(runner in c for c in cmd):
                cmd = [c.replace(runner, str(self.runner_dir())) for c in cmd]
            wrapped = sandboxing.wrap(self.sandbox_level, cmd, work, [self.benchmark_root.resolve(), Path.cwd()])
            return _run_limited(wrapped, work, stdout, stderr, limit_s)
        tools = [self.java, self.javac]
        inside = [sandboxing.inside_tool(c) if c in tools else c for c in cmd]
        ro = []
        if (work / ".runner").is_dir():
            ro.append((work / ".runner", f"{sandboxing.INSIDE_OPT}/runner"))
        info = os.pipe()
        wrapped = sandboxing.bwrap_command(
            inside,
            info_fd=info[1],
            tools=tools,
            jars=self.jars,
            ro=ro,
            rw=[(work, sandboxing.INSIDE_WORK)],
            chdir=sandboxing.INSIDE_WORK,
            env={"LANG": "C.UTF-8", "HOME": sandboxing.INSIDE_WORK, "TMPDIR": "/tmp", "PATH": "/usr/bin"},
        )
        return _run_limited(wrapped, work, stdout, stderr, limit_s, info=info, **sandboxing.popen_kwargs())

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
                sandboxing.make_readable(work)
                sandboxing.prepare_writable(work)
                sandboxing.prepare_writable(work / "out")
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
                output = _read_capped(work / "javac.out", 1 << 16) + _read_capped(work / "javac.err", 1 << 16)
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
        classpath = os.pathsep.join(["out", *map(str, self.jars), f"{sandboxing.INSIDE_OPT}/runner"])
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
        out = _read_capped(work / "stdout.txt", 1 << 20)
        if code == 0 and "\nOK (" in out:
            return Verdict(Status.PLAUSIBLE)
        found = _JUNITCORE_FAILURE.search(out)
        if code == 1 and found:
            return Verdict(Status.FAILING, failing_test=f"{found.group(2).rsplit('.', 1)[-1]}.{found.group(1)}")
        return Verdict(Status.CRASH, message=f"JUnitCore exited with code {code}")
