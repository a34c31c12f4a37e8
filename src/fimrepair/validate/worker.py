"""One validation worker JVM (``fimrepair/java/ValidationWorker.java``) and its protocol.

The worker is compiled once per machine with the machine's ``javac`` into a per-user cache
(:func:`compile_worker`) and copied into every worker's throw-away directory. A
:class:`Worker` starts one sandboxed JVM (bubblewrap, :mod:`fimrepair.validate.bwrap`, or a
fallback level, :mod:`fimrepair.validate.sandbox`) that compiles candidates in memory, runs the
bug's JUnit 4 tests fail-fast in a fresh class loader per candidate and answers one JSON line
per request on a DEDICATED pipe (not its stdout: candidate output cannot reach the protocol).
The pool that checks workers out, replaces them and turns answers into verdicts is
:class:`fimrepair.validate.engine.Engine`.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from fimrepair.validate import bwrap as bubblewrap
from fimrepair.validate import sandbox
from fimrepair.validate.javac import compile_java_class
from fimrepair.validate.policy import harness_sources

WORKER_CLASS = "ValidationWorker"
STDERR_TAIL = 4096


class EngineError(RuntimeError):
    """A harness fault (the worker cannot start, the JDK is missing): never a verdict."""


def compile_worker(javac: str, jars: Sequence[Path], cache_root: Path | None = None) -> Path:
    """The directory holding the compiled worker (compiled on first use, cached by source and
    ``javac -version``)."""
    try:
        return compile_java_class(WORKER_CLASS, harness_sources(WORKER_CLASS), javac, jars, cache_root)
    except RuntimeError as err:
        raise EngineError(str(err)) from None


class WorkerSettings(Protocol):
    """What a :class:`Worker` reads of its pool (:class:`fimrepair.validate.engine.Engine`)."""

    sandbox_level: str
    worker_dir: Path
    support_dir: Path | None
    java: str
    jars: list[Path]
    jvm_options: list[str]
    heap_mb: int
    heap_limit_fraction: float
    hide: list[Path]


class Worker:
    """One worker JVM: started at construction (asynchronously warming up), used by one thread
    at a time."""

    def __init__(self, engine: WorkerSettings) -> None:
        self.served = 0
        self.dir = Path(tempfile.mkdtemp(prefix="fimrepair-worker-"))
        read_fd, write_fd = os.pipe()
        bwrap = engine.sandbox_level == "bwrap"
        # Per-worker copies of the compiled worker and the support classes (the per-user cache
        # they come from may be unreadable to the sandbox user, and must not be shared).
        shutil.copytree(engine.worker_dir, self.dir / "classes")
        if engine.support_dir is not None:
            shutil.copytree(engine.support_dir, self.dir / "support")
        if bwrap:
            # Readable, not writable, by the sandbox user; nothing of the host is writable inside:
            # the copies are bound read-only, the JVM's home is the sandbox's private /tmp.
            bubblewrap.make_readable(self.dir)
            classes = f"{bubblewrap.INSIDE_OPT}/worker"
            support = f"{bubblewrap.INSIDE_OPT}/support"
            home = "/tmp"
            java = bubblewrap.inside_tool(engine.java)
        else:
            classes = str(self.dir / "classes")
            support = str(self.dir / "support")
            home = str(self.dir / "home")
            Path(home).mkdir()
            java = engine.java
        java_cmd = [
            java,
            f"-Xmx{engine.heap_mb}m",
            "-Xss4m",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+UseSerialGC",
            "-XX:-UsePerfData",
            "-Djava.awt.headless=true",
            *engine.jvm_options,
            f"-Djava.io.tmpdir={home}",
            f"-Duser.home={home}",
            "-cp",
            os.pathsep.join([*map(str, engine.jars), *([support] if engine.support_dir is not None else []), classes]),
            WORKER_CLASS,
            f"/proc/self/fd/{write_fd}",
            str(engine.heap_limit_fraction),
        ]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8"}
        if "JAVA_HOME" in os.environ:
            env["JAVA_HOME"] = os.environ["JAVA_HOME"]
        extra: dict[str, Any] = {}
        fds: tuple[int, ...] = (write_fd,)
        self.init: bubblewrap.SandboxInit | None = None
        if bwrap:
            # The worker opens the pipe by its /proc/self/fd path: the sandbox user must own it.
            bubblewrap.prepare_writable(write_fd)
            info_read, info_write = os.pipe()
            fds = (write_fd, info_write)
            ro = [(self.dir / "classes", classes)]
            if engine.support_dir is not None:
                ro.append((self.dir / "support", support))
            cmd = bubblewrap.bwrap_command(
                java_cmd,
                tools=[engine.java],
                jars=engine.jars,
                ro=ro,
                chdir=home,
                env={**env, "PATH": "/usr/bin"},
                info_fd=info_write,
            )
            extra = bubblewrap.popen_kwargs()
        else:
            cmd = sandbox.wrap(engine.sandbox_level, java_cmd, self.dir, engine.hide)

        try:
            self.proc = subprocess.Popen(
                cmd,
                cwd="/" if bwrap else home,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                pass_fds=fds,
                start_new_session=True,
                **extra,
            )
        except OSError as exc:
            for fd in (read_fd, *fds, *([info_read] if bwrap else [])):
                os.close(fd)
            shutil.rmtree(self.dir, ignore_errors=True)
            raise EngineError(f"cannot start the validation worker ({cmd[0]}): {exc}") from exc
        if bwrap:
            os.close(info_write)
            self.init = bubblewrap.watch(info_read)
        os.close(write_fd)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr_tail: collections.deque[bytes] = collections.deque(maxlen=64)
        self._protocol = os.fdopen(read_fd, "rb", buffering=1 << 16)
        threading.Thread(target=self._read_protocol, daemon=True, name="worker-protocol").start()
        threading.Thread(target=self._drain_stderr, daemon=True, name="worker-stderr").start()
        self.ready = False

    def _read_protocol(self) -> None:
        try:
            for raw in self._protocol:
                self.lines.put(raw.decode("utf-8", "replace"))
        except (OSError, ValueError):
            pass
        finally:
            self.lines.put(None)

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        try:
            while chunk := self.proc.stderr.read1(4096):  # type: ignore[attr-defined]
                self.stderr_tail.append(chunk)
        except (OSError, ValueError):
            pass

    def stderr_text(self) -> str:
        return b"".join(self.stderr_tail)[-STDERR_TAIL:].decode("utf-8", "replace").strip()

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                raise EngineError(
                    f"validation worker not ready after {timeout:g} s: {self.stderr_text()[-800:]}"
                ) from None
            if line is None:
                code = self.proc.wait()
                raise EngineError(
                    f"validation worker exited during start-up (code {code}): {self.stderr_text()[-800:]}"
                )
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if isinstance(msg, dict) and "ready" in msg:
                if not msg["ready"]:
                    self.kill()
                    raise EngineError(f"validation worker cannot run: {msg.get('message')}")
                self.ready = True
                return

    def request(self, payload: dict[str, Any], timeout: float) -> tuple[str, dict[str, Any] | None]:
        """Send one request; ("ok", answer) | ("dead", None) | ("timeout", None) | ("error", answer)."""
        assert self.proc.stdin is not None
        data = (json.dumps(payload, ensure_ascii=True) + "\n").encode("ascii")
        self.served += 1
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return "dead", None
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout", None
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return "timeout", None
            if line is None:
                return "dead", None
            try:
                msg = json.loads(line)
            except ValueError:
                continue  # not ours (cannot happen through the protocol pipe; be lenient)
            if not isinstance(msg, dict):
                continue
            if msg.get("id") == payload["id"]:
                return "ok", msg
            if msg.get("status") == "error" and msg.get("id") is None:
                return "error", msg

    def kill(self) -> None:
        if self.init is not None:
            self.init.kill()  # the sandbox's PID 1: every process of the sandbox dies with it
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def close(self) -> None:
        try:
            if self.proc.poll() is None and self.proc.stdin is not None:
                self.proc.stdin.write(b'{"op":"exit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        self.kill()
