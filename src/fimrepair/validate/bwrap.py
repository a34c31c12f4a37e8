"""Bubblewrap: the sandbox every validation JVM runs in where bwrap runs (see
:mod:`fimrepair.validate.sandbox` for the levels, the probe and the fallbacks, and
docs/threat-model.md).

:func:`bwrap_command` wraps a command so that it runs as an unprivileged user (host uid
:data:`SANDBOX_UID` when the caller is root; else the caller's own uid, seen as
:data:`SANDBOX_UID` inside), in new user, PID, mount, network, IPC, UTS (and cgroup)
namespaces, with a fresh ``/proc``, no capabilities, ``no_new_privs``, no further user
namespaces, a new session, private size-bounded ``/tmp`` and ``/dev/shm``, and a read-only root
that holds ONLY the JDK (with the files its symlinks and shared libraries resolve to) and the
given binds, under the limits of :data:`LIMITS`. :class:`SandboxInit` is the sandbox's PID 1,
killed by the parent on time limits, on retirement and at interpreter exit.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import signal
import subprocess
import threading
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

#: The unprivileged user a sandbox runs as (host uid when the caller is root; the uid seen inside).
SANDBOX_UID = 65534
#: Where the fresh validator's per-candidate directory is mounted inside the sandbox.
INSIDE_WORK = "/sandbox"
#: Where read-only class-path directories (compiled worker, runner, support classes) are mounted.
INSIDE_OPT = "/opt/fimrepair"
#: Limits set inside the sandbox (prlimit): threads + processes, open files, bytes per written
#: file (candidate output files, class files, result files), core dumps.
LIMITS = {"nproc": 1024, "nofile": 4096, "fsize": 256 << 20, "core": 0}
#: Sizes of the sandbox's private tmpfs mounts.
TMP_BYTES = 128 << 20
SHM_BYTES = 1 << 20


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def java_home(tool: str) -> Path:
    """The JDK directory of ``tool`` (``java``/``javac`` on PATH or a path): ``<home>/bin/<tool>``."""
    found = shutil.which(tool)
    if found is None:
        raise FileNotFoundError(f"{tool!r} not found on PATH")
    return Path(os.path.realpath(found)).parent.parent


def inside_tool(tool: str) -> str:
    """The path under which ``tool`` runs inside the sandbox (its real path in the JDK)."""
    found = shutil.which(tool)
    if found is None:
        raise FileNotFoundError(f"{tool!r} not found on PATH")
    return os.path.realpath(found)


class _Exposure:
    """Host paths made visible read-only inside the sandbox AT THE SAME PATH: each symlink on
    the way recreated as a symlink, each file or directory bound at its real path."""

    def __init__(self) -> None:
        self.binds: set[str] = set()
        self.links: dict[str, str] = {}

    def expose(self, path: str, depth: int = 0) -> None:
        if depth > 40 or not os.path.isabs(path):
            return
        cur = "/"
        parts = Path(os.path.normpath(path)).parts[1:]
        for i, part in enumerate(parts):
            nxt = os.path.join(cur, part)
            if os.path.islink(nxt):
                target = os.readlink(nxt)
                if not self._covered(nxt):
                    self.links[nxt] = target
                self.expose(os.path.join(os.path.normpath(os.path.join(cur, target)), *parts[i + 1 :]), depth + 1)
                return
            cur = nxt
        if os.path.exists(cur) and not self._covered(cur):
            self.binds.add(cur)

    def _covered(self, path: str) -> bool:
        return any(path == b or path.startswith(b.rstrip("/") + "/") for b in self.binds)

    def args(self) -> list[str]:
        out: list[str] = []
        for b in sorted(self.binds):
            if not any(b != o and b.startswith(o.rstrip("/") + "/") for o in self.binds):
                out += ["--ro-bind", b, b]
        for link, target in sorted(self.links.items()):
            if not self._covered(link):
                out += ["--symlink", target, link]
        return out


def _elf_files(home: Path) -> Iterable[Path]:
    for path in sorted(home.rglob("*")):
        if path.is_file() and not path.is_symlink() and (path.suffix == ".so" or path.parent.name == "bin"):
            try:
                with path.open("rb") as fh:
                    if fh.read(4) == b"\x7fELF":
                        yield path
            except OSError:
                continue


def _shared_libraries(files: Sequence[Path | str]) -> set[str]:
    """The shared libraries (and the dynamic loader) ``ldd`` resolves for ``files``."""
    libs: set[str] = set()
    for start in range(0, len(files), 32):
        chunk = [str(f) for f in files[start : start + 32]]
        proc = subprocess.run(["ldd", *chunk], capture_output=True, text=True, check=False)
        for line in proc.stdout.splitlines():
            line = line.strip()
            if "=>" in line:
                target = line.split("=>", 1)[1].strip().split(" (", 1)[0].strip()
            else:
                target = line.split(" (", 1)[0].strip()
            if target.startswith("/"):
                libs.add(target)
    return libs


@functools.cache
def _system_args(homes: tuple[str, ...]) -> tuple[str, ...]:
    """bwrap arguments exposing the JDK(s) ``homes``, what their symlinks point to outside,
    their shared libraries, ``prlimit`` (and its libraries) and the time zone files."""
    exp = _Exposure()
    elves: list[Path | str] = []
    for home in homes:
        exp.expose(home)
        for path in sorted(Path(home).rglob("*")):
            if path.is_symlink():
                target = os.path.normpath(os.path.join(path.parent, os.readlink(path)))
                if os.path.isfile(target) and not target.startswith(home.rstrip("/") + "/"):
                    exp.expose(target)
        elves += list(_elf_files(Path(home)))
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        raise FileNotFoundError("util-linux 'prlimit' not found on PATH")
    elves.append(os.path.realpath(prlimit))
    exp.expose(os.path.realpath(prlimit))
    for lib in sorted(_shared_libraries(elves)):
        exp.expose(lib)
    for extra in ("/etc/localtime", "/etc/timezone"):
        if os.path.exists(extra):
            exp.expose(extra)
    return tuple(exp.args())


def jar_closure(jars: Sequence[Path]) -> list[str]:
    """``jars`` and the jars their manifests' ``Class-Path`` name (that exist), as host paths."""
    out: list[str] = []
    todo = [str(j) for j in jars]
    while todo:
        jar = todo.pop(0)
        if jar in out or not os.path.isfile(jar):
            continue
        out.append(jar)
        try:
            with zipfile.ZipFile(jar) as zf:
                manifest = zf.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
        except (OSError, KeyError, zipfile.BadZipFile):
            continue
        value, on = [], False
        for line in manifest.splitlines():
            if on and line.startswith(" "):
                value.append(line[1:])
                continue
            on = line.lower().startswith("class-path:")
            if on:
                value.append(line.split(":", 1)[1])
        for entry in "".join(value).split():
            if "://" not in entry:
                todo.append(os.path.normpath(os.path.join(os.path.dirname(jar), entry)))
    return out


def bwrap_command(
    command: Sequence[str],
    *,
    tools: Sequence[str],
    jars: Sequence[Path] = (),
    ro: Sequence[tuple[Path, str]] = (),
    rw: Sequence[tuple[Path, str]] = (),
    chdir: str = "/tmp",
    env: dict[str, str] | None = None,
    info_fd: int | None = None,
) -> list[str]:
    """``command`` (paths as seen inside) run under bubblewrap (see the module doc).

    ``tools``: the JDK tools it runs (``java``, ``javac``: their JDK is exposed); ``jars``: host
    jars exposed at their own paths (with their manifests' Class-Path); ``ro``/``rw``: host
    directories bound at the given inside paths, read-only / read-write. Nothing else of the
    host is visible. ``info_fd``: bwrap writes the host pid of the sandbox's PID 1 there
    (:func:`watch`)."""
    homes = tuple(sorted({str(java_home(t)) for t in tools}))
    exp = _Exposure()
    for jar in jar_closure(jars):
        exp.expose(jar)
    args = [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
        "--die-with-parent",
        "--new-session",
        *(["--info-fd", str(info_fd)] if info_fd is not None else []),
        "--cap-drop",
        "ALL",
        "--clearenv",
        *[a for k, v in sorted((env or {}).items()) for a in ("--setenv", k, v)],
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(TMP_BYTES),
        "--tmpfs",
        "/tmp",
        "--size",
        str(SHM_BYTES),
        "--tmpfs",
        "/dev/shm",
        *_system_args(homes),
        *exp.args(),
    ]
    for host, inside in ro:
        args += ["--ro-bind", str(host), inside]
    for host, inside in rw:
        args += ["--bind", str(host), inside]
    args += ["--remount-ro", "/", "--remount-ro", "/dev", "--chdir", chdir, "--"]
    prlimit = os.path.realpath(shutil.which("prlimit") or "prlimit")
    limits = [f"--{name}={value}" for name, value in LIMITS.items()]
    return [*args, prlimit, *limits, "--", *command]


class SandboxInit:
    """The PID 1 of a running sandbox (a pidfd: no pid-reuse race). Killing it makes the kernel
    kill every process of the sandbox's PID namespace.

    A second line behind ``--die-with-parent``: killing bwrap's process group does not reach
    the sandbox directly (bwrap gives it a session of its own), and the parent-death signal is
    a kernel mechanism with exceptions (credential changes clear it): the parent kills the
    sandbox explicitly, on time limits, on retirement and at interpreter exit."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._fd: int | None = os.pidfd_open(pid)
        with _LIVE_LOCK:
            _LIVE.add(self)

    def kill(self) -> None:
        """SIGKILL the sandbox's PID 1 (and so all of the sandbox), then forget it."""
        fd = self._fd
        if fd is not None:
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.release()

    def release(self) -> None:
        """Forget the sandbox (it ended by itself)."""
        with _LIVE_LOCK:
            _LIVE.discard(self)
            fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


_LIVE: set[SandboxInit] = set()
_LIVE_LOCK = threading.Lock()


@atexit.register
def _kill_all() -> None:
    for init in list(_LIVE):
        init.kill()


def watch(info_read_fd: int) -> SandboxInit | None:
    """The sandbox whose bwrap got the write end of this pipe as ``--info-fd`` (the caller has
    closed its own copy of the write end); None when bwrap ended before starting one. Closes
    ``info_read_fd``."""
    with os.fdopen(info_read_fd, "rb") as fh:
        data = fh.read(1 << 16)
    try:
        pid = int(json.loads(data)["child-pid"])
        return SandboxInit(pid)
    except (ValueError, KeyError, TypeError, ProcessLookupError, OSError):
        return None


def popen_kwargs() -> dict[str, Any]:
    """Extra :class:`subprocess.Popen` arguments for a bwrap sandbox: as root, bwrap itself
    runs as the unprivileged :data:`SANDBOX_UID` (so the sandbox's user namespace maps onto an
    unprivileged host user, not onto root)."""
    if is_root():
        return {"user": SANDBOX_UID, "group": SANDBOX_UID, "extra_groups": []}
    return {}


def prepare_writable(path: Path | int) -> None:
    """Let the sandbox user write ``path`` (a directory the caller created, or a pipe's file
    descriptor): as root, hand it to :data:`SANDBOX_UID`."""
    if is_root():
        if isinstance(path, int):
            os.fchown(path, SANDBOX_UID, SANDBOX_UID)
        else:
            os.chown(path, SANDBOX_UID, SANDBOX_UID)


def make_readable(root: Path) -> None:
    """``root`` and everything under it readable (not writable) by everyone, so that the
    sandbox user can read the copies bound read-only from it."""
    for dirpath, _dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
