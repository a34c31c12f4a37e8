"""OS-level containment of validation workers (Linux), probed at run time.

What a worker gets, best available first (:func:`probe` decides once per process):

``bwrap`` (bubblewrap, Debian ``bubblewrap``; the established sandbox, see docs/threat-model.md):
    every worker JVM (and the fresh validator's ``javac`` and ``java``) runs under ``bwrap`` as
    an unprivileged user (host uid :data:`~fimrepair.validate.bwrap.SANDBOX_UID` when the caller is root; else the
    caller's own uid, seen as :data:`~fimrepair.validate.bwrap.SANDBOX_UID` inside), in new user, PID, mount, network,
    IPC, UTS (and cgroup) namespaces, with a fresh ``/proc``, no capabilities,
    ``no_new_privs``, no further user namespaces, a new session, private size-bounded ``/tmp``
    and ``/dev/shm``, and a read-only root that holds ONLY the JDK (with the files its
    symlinks and shared libraries resolve to), the given read-only binds (the worker's class
    path: the jars and the compiled worker or runner, the benchmark's support classes) and,
    for the fresh validator, the candidate's temporary directory (read-write). Limits inside
    (util-linux ``prlimit``): processes/threads, open files, file size, no core dumps
    (:data:`~fimrepair.validate.bwrap.LIMITS`). ``--die-with-parent``, and the parent killing the sandbox's PID 1
    (:class:`~fimrepair.validate.bwrap.SandboxInit`), take down every process of its PID namespace. The benchmark root,
    the verdict cache and the results are not mounted: nothing inside can name them.

The older levels below are FALLBACKS only, used where bwrap cannot run (not installed, user
namespaces disabled); the choice is logged as a warning and recorded in every verdict row
(``sandbox``) and in the result-cache key.

``namespaces`` (root, util-linux ``unshare``, mounts allowed):
    a new **network namespace** (only a loopback that is down: no network at all), a new
    **mount namespace** in which the whole file system is remounted **read-only** except the
    worker's own throw-away directory, and the directories to protect (the repository, the
    benchmark, the results and the cache) are **hidden** under empty read-only tmpfs mounts.
``net``:
    only the network namespace (when mounts are not permitted, e.g. in some containers).
``none``:
    no namespaces (not root, no ``unshare``): only the throw-away working directory.

Always: the JVM runs with its working directory, ``HOME``, ``TMPDIR`` and ``java.io.tmpdir``
in a fresh temporary directory deleted afterwards (``bwrap``: the sandbox's private /tmp), a bounded heap, in its own process group
(killed as a whole by the parent), stdin/stdout/stderr not connected to the protocol.

NOT contained by the fallbacks, even ``namespaces``: the worker runs as the calling user (root
here), so it can READ every file that is not hidden (e.g. /etc, other users' temp files); it can write
to /proc, /sys and /dev entries and to its own directory; CPU use is bounded only by the
per-candidate time limit; there is no seccomp filter, no PID namespace (a candidate can see
and signal other processes of the same user) and no cgroup limit on non-heap memory (native
allocations, thread stacks).
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from fimrepair.validate import bwrap

log = logging.getLogger(__name__)

#: The sandbox levels, strongest first (``auto`` picks the first that runs here).
LEVELS = ("bwrap", "namespaces", "net", "none")
#: Mounts not remounted read-only (kernel interfaces; /dev/null must stay writable).
_SKIP_MOUNTS = ("/proc", "/sys", "/dev")

# $1.. = sandbox dir, then dirs to hide, "--", then the command. Bind the sandbox onto itself
# (it stays writable), remount every other mount read-only, hide the protected directories.
_SCRIPT = r"""
set -e
sbx="$1"; shift
mount --make-rprivate / 2>/dev/null || true
mount --bind "$sbx" "$sbx"
cd "$PWD" 2>/dev/null || true  # re-enter the working directory through the new bind mount
hide=""
while [ "$1" != "--" ]; do hide="$hide
$1"; shift; done
shift
for d in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do
  case "$d" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*|"$sbx") continue;; esac
  mount -o remount,bind,ro "$d" 2>/dev/null || [ "$d" != / ]
done
IFS='
'
for d in $hide; do
  [ -n "$d" ] && [ -d "$d" ] && mount -t tmpfs -o ro,size=4k,mode=0555 fimrepair-hidden "$d"
done
unset IFS
exec "$@"
"""


def wrap(level: str, command: Sequence[str], sandbox_dir: Path, hide: Sequence[Path]) -> list[str]:
    """``command`` wrapped for a FALLBACK containment ``level`` (see the module doc; ``bwrap``:
    :func:`~fimrepair.validate.bwrap.bwrap_command`)."""
    if level == "none":
        return list(command)
    if level == "net":
        return ["unshare", "--net", "--", *command]
    if level == "namespaces":
        # Hide only directories that do not contain the sandbox or the command's own files.
        safe = [str(h) for h in hide if h.is_dir() and not _contains(h, sandbox_dir)]
        return [
            "unshare",
            "--net",
            "--mount",
            "--",
            "/bin/sh",
            "-c",
            _SCRIPT,
            "fimrepair-sandbox",
            str(sandbox_dir),
            *safe,
            "--",
            *command,
        ]
    raise ValueError(f"unknown sandbox level {level!r}")


def _contains(parent: Path, child: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


@functools.cache
def probe(requested: str = "auto") -> str:
    """The containment level sandboxes get here: ``requested`` if it works, or with ``auto`` the
    best of :data:`LEVELS` that a probe command runs under. A fallback below ``bwrap`` is
    logged as a warning naming why bwrap could not run."""
    if requested not in ("auto", *LEVELS):
        raise ValueError(f"sandbox must be auto, {', '.join(LEVELS)}, got {requested!r}")
    levels = list(LEVELS) if requested == "auto" else [requested]
    import tempfile

    why_not_bwrap = None
    for level in levels:
        if level == "none":
            chosen = level
            break
        if level == "bwrap":
            why_not_bwrap = bwrap_problem()
            if why_not_bwrap is None:
                return level
            continue
        if not bwrap.is_root() or shutil.which("unshare") is None:
            continue
        with tempfile.TemporaryDirectory(prefix="fimrepair-probe-") as tmp:
            marker = Path(tmp) / "w"
            cmd = wrap(
                level,
                [
                    "/bin/sh",
                    "-c",
                    f"echo ok > {marker} && ! touch /fimrepair-probe-$$ 2>/dev/null || [ {level} = net ]",
                ],
                Path(tmp),
                [],
            )
            try:
                proc = subprocess.run(cmd, capture_output=True, timeout=20, check=False)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if proc.returncode == 0 and marker.is_file():
                chosen = level
                break
    else:
        if requested == "bwrap":
            raise RuntimeError(f"sandbox level 'bwrap' is not available here: {why_not_bwrap}")
        raise RuntimeError(f"sandbox level {requested!r} is not available here (needs root and util-linux unshare)")
    if requested == "auto":
        log.warning(
            "SANDBOX FALLBACK: bubblewrap cannot run here (%s); validation runs at the weaker level %r: %s. "
            "Install Debian 'bubblewrap' (make setup) and allow unprivileged user namespaces.",
            why_not_bwrap,
            chosen,
            describe(chosen),
        )
    return chosen


def describe(level: str) -> str:
    return {
        "bwrap": "bubblewrap: unprivileged uid, new user/PID/mount/net/IPC/UTS namespaces, no capabilities, "
        "no_new_privs, read-only root holding only the JDK and the class path, private /tmp and /dev/shm, "
        "process/file/size limits",
        "namespaces": "no network (new net namespace), read-only file system except the worker's temp dir, protected dirs hidden",
        "net": "no network (new net namespace); file system NOT contained beyond a temp working dir",
        "none": "no OS containment; temp working dir and bounded heap only",
    }[level]


def bwrap_problem(java: str = "java") -> str | None:
    """None when a JVM runs under :func:`~fimrepair.validate.bwrap.bwrap_command` here; else why not."""
    if shutil.which("bwrap") is None:
        return "'bwrap' is not installed (Debian package bubblewrap)"
    if shutil.which("prlimit") is None:
        return "util-linux 'prlimit' is not installed"
    import tempfile

    # As the sandboxes will: a JVM, a read-only bind and a writable bind of temporary directories.
    with tempfile.TemporaryDirectory(prefix="fimrepair-probe-") as tmp:
        ro_dir, rw_dir = Path(tmp) / "ro", Path(tmp) / "rw"
        ro_dir.mkdir()
        rw_dir.mkdir()
        bwrap.make_readable(Path(tmp))
        bwrap.prepare_writable(rw_dir)
        try:
            cmd = bwrap.bwrap_command(
                [bwrap.inside_tool(java), "-XX:-UsePerfData", "-version"],
                tools=[java],
                ro=[(ro_dir, f"{bwrap.INSIDE_OPT}/probe")],
                rw=[(rw_dir, bwrap.INSIDE_WORK)],
                chdir=bwrap.INSIDE_WORK,
            )
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False, **bwrap.popen_kwargs())
        except (OSError, subprocess.TimeoutExpired, FileNotFoundError) as exc:
            return f"bwrap probe failed: {exc}"
    if proc.returncode != 0:
        return f"bwrap probe exited with {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-400:]}"
    return None
