"""OS-level containment of validation workers (Linux), probed at run time.

What a worker gets, best available first (:func:`probe` decides once per process):

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
in a fresh temporary directory deleted afterwards, a bounded heap, in its own process group
(killed as a whole by the parent), stdin/stdout/stderr not connected to the protocol.

NOT contained, even with ``namespaces``: the worker runs as the calling user (root here), so
it can READ every file that is not hidden (e.g. /etc, other users' temp files); it can write
to /proc, /sys and /dev entries and to its own directory; CPU use is bounded only by the
per-candidate time limit; there is no seccomp filter, no PID namespace (a candidate can see
and signal other processes of the same user) and no cgroup limit on non-heap memory (native
allocations, thread stacks).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

#: Mounts not remounted read-only (kernel interfaces; /dev/null must stay writable).
_SKIP_MOUNTS = ("/proc", "/sys", "/dev")

# $1.. = sandbox dir, then dirs to hide, "--", then the command. Bind the sandbox onto itself
# (it stays writable), remount every other mount read-only, hide the protected directories.
_SCRIPT = r"""
set -e
sbx="$1"; shift
mount --make-rprivate / 2>/dev/null || true
mount --bind "$sbx" "$sbx"
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


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def wrap(level: str, command: Sequence[str], sandbox_dir: Path, hide: Sequence[Path]) -> list[str]:
    """``command`` wrapped for containment ``level`` (see the module doc)."""
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
    """The containment level workers get here: ``requested`` if it works, or with ``auto`` the
    best of ``namespaces`` > ``net`` > ``none`` that a probe command runs under."""
    if requested not in ("auto", "namespaces", "net", "none"):
        raise ValueError(f"sandbox must be auto, namespaces, net or none, got {requested!r}")
    levels = ["namespaces", "net", "none"] if requested == "auto" else [requested]
    import tempfile

    for level in levels:
        if level == "none":
            return level
        if not _is_root() or shutil.which("unshare") is None:
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
                return level
    if requested != "auto":
        raise RuntimeError(f"sandbox level {requested!r} is not available here (needs root and util-linux unshare)")
    return "none"


def describe(level: str) -> str:
    return {
        "namespaces": "no network (new net namespace), read-only file system except the worker's temp dir, protected dirs hidden",
        "net": "no network (new net namespace); file system NOT contained beyond a temp working dir",
        "none": "no OS containment; temp working dir and bounded heap only",
    }[level]
