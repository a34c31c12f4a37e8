"""Compiling Java for validation, and what of the JDK a verdict depends on.

The harness classes (``FailFastRunner``, ``ValidationWorker`` and the classes they share) are
compiled once per machine into a per-user cache keyed by their sources and ``javac -version``
(:func:`compile_java_class`); a benchmark's support classes once per validator
(:func:`compile_support`). :func:`jdk_version`, :func:`jars_digest` and :func:`sources_digest`
are the parts of a validator's result-cache key that name the JDK, the test class path and
the support classes; :func:`first_error` is the layout-free compile error a verdict reports.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

SHARE_JAVA = Path("/usr/share/java")
#: Jars a HumanEval-Java test run needs on Java 17: JUnit 4 + Hamcrest, JAXB (STRING_TO_MD5)
#: and Rhino (the correct DO_ALGEBRA evaluates JavaScript; Nashorn is gone from Java 15).
DEFAULT_JAR_NAMES = ("junit4.jar", "hamcrest-core.jar", "jaxb-api.jar", "rhino.jar")


def javac_command(
    javac: str, jars: Sequence[Path], out: str | Path, files: Sequence[str], java_level: int | None = None
) -> list[str]:
    """``javac`` compiling ``files`` against ``jars`` into ``out`` (UTF-8, no warnings; at
    ``--release java_level`` unless it is None)."""
    release = [] if java_level is None else ["--release", str(java_level)]
    return [
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
            cmd = javac_command(javac, jars, ".", sorted(sources))
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
        cmd = javac_command(javac, jars, out, files, java_level)
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        raise RuntimeError(f"cannot compile the benchmark's support classes {files}:\n{proc.stdout}{proc.stderr}")
    return out


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
