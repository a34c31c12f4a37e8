"""Running one command in its own process group under a hard time limit, its output going to
files that are read back capped (the fresh validator's ``javac`` and test JVM)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from fimrepair.validate import bwrap

OUTPUT_READ_CAP = 8192


def read_capped(path: Path, cap: int = OUTPUT_READ_CAP) -> str:
    """The last ``cap`` bytes of ``path`` (decoded leniently); '' when it does not exist."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - cap))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL not honoured
        proc.kill()
        proc.wait()


def run_limited(
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
            init = bwrap.watch(info[0])
        try:
            return proc.wait(timeout=limit_s)
        except BaseException as exc:
            if init is not None:
                init.kill()
            kill_group(proc)
            if isinstance(exc, subprocess.TimeoutExpired):
                return None
            raise
        finally:
            if init is not None:
                init.release()
