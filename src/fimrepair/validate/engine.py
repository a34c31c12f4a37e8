"""The persistent-JVM validation engine: a pool of sandboxed ``ValidationWorker`` processes.

Each worker (``fimrepair/java/ValidationWorker.java``, compiled once per machine with the
machine's ``javac`` into a per-user cache, copied into every worker's throw-away directory)
is one JVM that compiles candidates in memory, runs the bug's JUnit 4 tests fail-fast in a fresh
class loader per candidate and answers one JSON line per request on a DEDICATED pipe (not its
stdout: candidate output cannot reach the protocol). :class:`Engine` implements the
:class:`~fimrepair.validate.verdict.Validator` protocol and is thread-safe: callers (e.g. the
K threads of :func:`fimrepair.validate.run.validate_candidates`, taking tasks from ONE shared
queue) check a worker out of the pool per candidate.

Robustness rules:

- a parent watchdog per request (``per_candidate_timeout_s`` + ``compile_grace_s``): on expiry the
  worker's whole process group is killed (``timeout``);
- a worker that dies mid-candidate (``System.exit``, ``Runtime.halt``, OutOfMemoryError with
  ``-XX:+ExitOnOutOfMemoryError``, a signal) yields ``crash``;
- a worker that reports itself tainted (threads left alive, heap not reclaimed, runner not
  finished), or has served ``max_candidates_per_worker`` candidates, is replaced after answering;
- a ``crash``/``timeout`` observed on a worker that had served earlier candidates is re-run once
  on a brand-new worker, and that verdict is final: a verdict never depends on what an earlier
  candidate did to a worker. A JUnit per-test timeout (``@Test(timeout=...)``, or the
  benchmark's per-test limit that the harness applies to tests without one) is a ``timeout``
  too;
- a candidate whose compiled classes break the bytecode policy
  (``fimrepair/java/CandidatePolicy.java``: no reflection, Unsafe, method handles, class
  loaders, processes, shutdown hooks, security managers, default handlers, stream
  redirection, files or file descriptors, finalizers) is ``rejected`` before any of its code
  runs;
- a worker in which code of a candidate still runs after it (on any thread: the Finalizer,
  Reference Handler and Common-Cleaner threads, pool threads) is replaced; when code of an
  EARLIER candidate is seen running before or during a candidate, that candidate is re-run on a
  brand-new worker (see docs/verdict-integrity.md).

Sandboxing: see :mod:`fimrepair.validate.sandbox` (bubblewrap; older levels only as a logged
fallback) and docs/threat-model.md.
"""

from __future__ import annotations

import collections
import hashlib
import logging
import queue
import secrets
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fimrepair.bugs import Bug, PlacementError, place, test_source_path
from fimrepair.validate import sandbox as sandboxing
from fimrepair.validate.fresh import DEFAULT_LIMITS
from fimrepair.validate.javac import compile_support, default_jars, jars_digest, jdk_version, sources_digest
from fimrepair.validate.policy import trusted_names
from fimrepair.validate.verdict import Status, Verdict, report_outcome
from fimrepair.validate.worker import EngineError, Worker, compile_worker

log = logging.getLogger(__name__)

#: Bumped whenever the worker's semantics change (part of the result-cache key: :meth:`Engine.verdict_settings`).
ENGINE_VERSION = "engine-5"
#: C1 only: a worker lives for a few hundred compilations, and C2 compiling javac's hot code
#: costs more CPU than it saves (measured: half the CPU per candidate on HumanEval-Java). The
#: code under test also runs C1-compiled: on HumanEval-Java no slower here (the heaviest test
#: class, IS_MULTIPLY_PRIME, 1.0 s vs 1.2 s), but a test whose budget is tight under C2 could hit
#: its JUnit timeout: pass ``jvm_options=()`` for the full tiered JIT.
DEFAULT_JVM_OPTIONS = ("-XX:TieredStopAtLevel=1",)


class Engine:
    """Validate candidates with K persistent, sandboxed worker JVMs (see the module doc).

    ``per_candidate_timeout_s``: the worker stops waiting for the tests after this long (the
    benchmark's own ``@Test(timeout=...)`` still applies per test and, with fail-fast, usually
    ends a looping candidate first); the parent kills the worker at that limit plus
    ``compile_grace_s``. ``sandbox``: auto | bwrap | namespaces | net | none (auto: bwrap where
    it runs, else the best fallback, logged as a warning; see :mod:`fimrepair.validate.sandbox`).
    ``hide``: directories made invisible to workers under the ``namespaces`` fallback (default:
    the benchmark root and the current directory; under ``bwrap`` nothing but the JDK and the
    class path is visible anyway). Leftover candidate threads are interrupted and, where the JDK still allows it
    (<= 19), stopped; a worker whose threads all died keeps serving unless
    ``replace_after_stopped_threads`` (a thread that survives always taints the worker).
    ``java_level``: the Java release candidates and tests are compiled at (``javac --release``);
    None = the installed JDK's default. ``support_sources``: classes every bug and test of the
    benchmark needs besides the bug's own class (relative path -> Java text, e.g. QuixBugs'
    ``Node``), compiled once at ``java_level`` onto the workers' class path. Use as a context
    manager, or call :meth:`close`. ``default_test_timeout_ms``: the benchmark's per-test limit
    (:attr:`fimrepair.benchmarks.Benchmark.test_timeout_ms`), applied by the harness to every test
    method without its own ``@Test(timeout=...)`` (None: no such limit). ``bytecode_policy``:
    reject candidates that break the policy (switch it off only to test the other defences).
    """

    def __init__(
        self,
        benchmark_root: Path,
        workers: int = 2,
        jars: Sequence[Path] | None = None,
        per_candidate_timeout_s: float = DEFAULT_LIMITS.per_candidate_timeout_s,
        compile_grace_s: float = DEFAULT_LIMITS.compile_grace_s,
        heap_mb: int = 512,
        heap_limit_fraction: float = 0.5,
        max_candidates_per_worker: int = 1000,
        sandbox: str = "auto",
        hide: Sequence[Path] | None = None,
        java: str = "java",
        javac: str = "javac",
        start_timeout_s: float = 120,
        jvm_options: Sequence[str] = DEFAULT_JVM_OPTIONS,
        replace_after_stopped_threads: bool = False,
        java_level: int | None = None,
        support_sources: dict[str, str] | None = None,
        default_test_timeout_ms: int | None = None,
        bytecode_policy: bool = True,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.benchmark_root = Path(benchmark_root)
        self.jars = [Path(j) for j in (default_jars() if jars is None else jars)]
        missing = [str(j) for j in self.jars if not j.is_file()]
        if missing:
            raise FileNotFoundError(f"Engine: jar(s) not found: {', '.join(missing)}")
        for tool in (java, javac):
            if shutil.which(tool) is None:
                raise FileNotFoundError(f"Engine: {tool!r} not found on PATH")
        self.java, self.javac = java, javac
        self.n_workers = workers
        self.per_candidate_timeout_s = float(per_candidate_timeout_s)
        self.compile_grace_s = float(compile_grace_s)
        self.heap_mb = int(heap_mb)
        self.heap_limit_fraction = float(heap_limit_fraction)
        self.max_candidates_per_worker = int(max_candidates_per_worker)
        self.start_timeout_s = float(start_timeout_s)
        self.jvm_options = list(jvm_options)
        self.replace_after_stopped_threads = bool(replace_after_stopped_threads)
        self.java_level = None if java_level is None else int(java_level)
        self.default_test_timeout_ms = None if default_test_timeout_ms is None else int(default_test_timeout_ms)
        self.bytecode_policy = bool(bytecode_policy)
        self.sandbox_level = sandboxing.probe(sandbox)
        log.info(
            "validation engine: sandbox level %r (%s)",
            self.sandbox_level,
            sandboxing.describe(self.sandbox_level),
        )
        default_hide = [self.benchmark_root, Path.cwd()]
        self.hide = [Path(h).resolve() for h in (default_hide if hide is None else hide)]
        self.worker_dir = compile_worker(javac, self.jars)
        self.support_sources = dict(support_sources or {})
        self.support_dir: Path | None = None
        if self.support_sources:
            try:
                self.support_dir = compile_support(self.support_sources, javac, self.jars, self.java_level)
            except RuntimeError as err:
                raise EngineError(str(err)) from None
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._sources: dict[tuple[str, str], tuple[str, str, str]] = {}
        #: Counters: requests sent, workers started, workers replaced, re-runs on a fresh worker.
        self.stats = collections.Counter()
        for _ in range(workers):
            self._idle.put(self._spawn())

    # -- pool ------------------------------------------------------------------------------

    def _spawn(self) -> Worker:
        self.stats["workers_started"] += 1
        return Worker(self)

    def _checkout(self) -> Worker:
        if self._closed:
            raise EngineError("engine is closed")
        w = self._idle.get()
        try:
            w.wait_ready(self.start_timeout_s)
        except EngineError:
            # One retry with a new worker: a start-up failure twice is a harness fault.
            w = self._spawn()
            w.wait_ready(self.start_timeout_s)
        return w

    def _retire(self, w: Worker, replace: bool = True) -> None:
        """Kill ``w`` and (with ``replace``) put a new (warming) worker in its place."""
        self.stats["workers_replaced"] += 1
        w.kill()
        if replace and not self._closed:
            self._idle.put(self._spawn())

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                w = self._idle.get_nowait()
            except queue.Empty:
                break
            w.close()
        if self.support_dir is not None:
            shutil.rmtree(self.support_dir, ignore_errors=True)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm_up(self) -> None:
        """Wait until every idle worker is ready (e.g. before timing)."""
        ws = []
        while True:
            try:
                ws.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for w in ws:
            w.wait_ready(self.start_timeout_s)
        for w in ws:
            self._idle.put(w)

    # -- validation ------------------------------------------------------------------------

    def _bug_sources(self, bug: Bug) -> tuple[str, str, str]:
        key = (str(self.benchmark_root), bug.bug_id)
        with self._lock:
            if key not in self._sources:
                buggy = (self.benchmark_root / bug.buggy_class).read_text(encoding="utf-8")
                test_rel = test_source_path(bug)
                test = (self.benchmark_root / test_rel).read_text(encoding="utf-8")
                self._sources[key] = (buggy, test_rel, test)
            return self._sources[key]

    def request_for(self, bug: Bug, function: str) -> dict[str, Any]:
        """The worker request for ``function``; :class:`~fimrepair.bugs.PlacementError` when
        the buggy class has no method for it (:func:`~fimrepair.bugs.place`)."""
        buggy, test_rel, test_src = self._bug_sources(bug)
        class_name = "humaneval.buggy." + Path(bug.buggy_class).stem
        pkg = _package_of(buggy)
        if pkg is not None:
            class_name = f"{pkg}.{Path(bug.buggy_class).stem}"
        return {
            "id": secrets.token_hex(12),
            "class_name": class_name,
            "class_path": bug.buggy_class,
            "source": place(buggy, bug, function),
            "test_class": bug.test_class,
            "test_path": test_rel,
            "test_source": test_src,
            "test_key": hashlib.sha256(test_src.encode("utf-8", "surrogatepass")).hexdigest(),
            "timeout_ms": int(self.per_candidate_timeout_s * 1000),
            "release": self.java_level,
            "default_test_timeout_ms": self.default_test_timeout_ms,
            "trusted": trusted_names(buggy, self.support_sources),
            "policy": self.bytecode_policy,
        }

    def verdict_settings(self) -> dict[str, Any]:
        """Everything besides the bug and the candidate that can change a verdict (part of the
        result-cache key): the engine's version, its limits, JVM options and heap, the Java
        level, the JDK, the jars and the sandbox level (network access changes verdicts).
        Worker recycling and thread policies are not here: by design they never change one."""
        return {
            "engine": ENGINE_VERSION,
            "per_candidate_timeout_s": self.per_candidate_timeout_s,
            "compile_grace_s": self.compile_grace_s,
            "heap_mb": self.heap_mb,
            "jvm_options": list(self.jvm_options),
            "java_level": self.java_level,
            "jdk": jdk_version(self.java, self.javac),
            "jars": jars_digest(self.jars),
            "sandbox": self.sandbox_level,
            "support": sources_digest(self.support_sources),
            "default_test_timeout_ms": self.default_test_timeout_ms,
            "bytecode_policy": self.bytecode_policy,
        }

    def validate(self, bug: Bug, function: str) -> Verdict:
        if function is None or not str(function).strip():
            return Verdict(Status.UNCOMPILABLE, message="empty candidate")
        try:
            payload = self.request_for(bug, str(function))
        except PlacementError as err:
            return Verdict(Status.UNCOMPILABLE, message=str(err))
        w = self._checkout()
        # A retired worker is not replaced yet: a re-run's brand-new worker may take its place.
        verdict, reusable, cpu_bound = self._run(w, payload, replace=False)
        if verdict is None:
            # An earlier candidate's code ran in that worker: only a brand-new one is independent.
            self.stats["reruns"] += 1
            return self._on_new_worker(payload, owed=True)
        if verdict.status in (Status.CRASH, Status.TIMEOUT) and w.served > 1 and not cpu_bound:
            # Confirm on a brand-new worker: the verdict must not depend on earlier candidates
            # (nor on load: a test cut by the wall-time backstop had not used its CPU limit).
            self.stats["reruns"] += 1
            if reusable:
                self._idle.put(w)
            return self._on_new_worker(payload, owed=not reusable)
        if reusable:
            self._idle.put(w)
        elif not self._closed:
            self._idle.put(self._spawn())
        return verdict

    def _on_new_worker(self, payload: dict[str, Any], owed: bool) -> Verdict:
        """The verdict of ``payload`` on a brand-new worker. ``owed``: the pool lacks a worker
        (the one that served first was retired): the new worker joins it when it may serve
        again, else a replacement does; otherwise it is closed (the pool keeps K workers)."""
        fresh = self._spawn()
        fresh.wait_ready(self.start_timeout_s)
        verdict, reusable, _ = self._run(fresh, dict(payload, id=secrets.token_hex(12)), replace=False)
        if reusable and owed and not self._closed:
            self._idle.put(fresh)
        elif reusable:
            fresh.close()
        elif owed and not self._closed:
            self._idle.put(self._spawn())
        if verdict is None:  # no earlier candidate ran there: a harness fault
            raise EngineError("a brand-new validation worker reported code of an earlier candidate running")
        return verdict

    def _run(self, w: Worker, payload: dict[str, Any], replace: bool = True) -> tuple[Verdict | None, bool, bool]:
        """Run one request on ``w``; (verdict, whether ``w`` may serve again, whether it is a
        per-test timeout reached in the test's own CPU time). A worker that may not serve again
        is already retired (and, with ``replace``, replaced). The verdict is None when the
        worker saw code of an earlier candidate running (the caller re-runs elsewhere)."""
        self.stats["requests"] += 1
        limit = self.per_candidate_timeout_s + self.compile_grace_s
        t0 = time.monotonic()
        outcome, msg = w.request(payload, limit)
        wall = time.monotonic() - t0
        if outcome == "timeout":
            self._retire(w, replace)
            return (
                Verdict(
                    Status.TIMEOUT, message=f"worker exceeded the hard limit of {limit:g} s and was killed", test_s=wall
                ),
                False,
                False,
            )
        if outcome == "dead":
            code = w.proc.wait()
            err = w.stderr_text()
            self._retire(w, replace)
            return Verdict(Status.CRASH, message=_death_message(code, err), test_s=wall), False, False
        assert msg is not None
        if msg.get("retry"):
            self.stats["tainted"] += 1
            self._retire(w, replace)
            return None, False, False
        if outcome == "error":
            err = str(msg.get("message"))
            self._retire(w, replace)
            return Verdict(Status.CRASH, message=f"validation worker fault: {err}", test_s=wall), False, False
        status, failing_test, message = report_outcome(msg)
        verdict = Verdict(
            status,
            failing_test=failing_test,
            message=message,
            compile_s=float(msg.get("compile_ms") or 0) / 1000,
            test_s=float(msg.get("test_ms") or 0) / 1000,
        )
        cpu_bound = msg.get("cpu_bound") is True
        stopped = int(msg.get("stopped_threads") or 0)
        self.stats["stopped_threads"] += stopped
        strict_taint = self.replace_after_stopped_threads and stopped > 0
        if msg.get("tainted") or strict_taint or w.served >= self.max_candidates_per_worker:
            self.stats["tainted" if (msg.get("tainted") or strict_taint) else "recycled"] += 1
            self._retire(w, replace)
            return verdict, False, cpu_bound
        return verdict, True, cpu_bound


def _package_of(source: str) -> str | None:
    import re

    m = re.search(r"^\s*package\s+([\w.]+)\s*;", source, re.M)
    return m.group(1) if m else None


def _death_message(code: int, stderr: str) -> str:
    if code == 3 or "OutOfMemoryError" in stderr:
        return "worker JVM ran out of memory (ExitOnOutOfMemoryError) during the candidate"
    if code < 0:
        reason = f"was killed by signal {-code}"
    else:
        reason = f"exited with code {code} (System.exit/Runtime.halt in the candidate?)"
    tail = stderr[-300:]
    return f"worker JVM {reason} without a result" + (f": {tail}" if tail else "")
