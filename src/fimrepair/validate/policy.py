"""The bytecode policy on candidates (``fimrepair/java/CandidatePolicy.java``): what a candidate
may name besides the JDK allow-list, and the Java sources both test runners are compiled from.

The policy itself runs in Java, inside the worker (:mod:`fimrepair.validate.engine`) and inside
``FailFastRunner`` (:mod:`fimrepair.validate.fresh`), on the candidate's compiled classes before
any of them is loaded; a candidate that breaks it gets the status ``rejected`` and no test
runs. See docs/verdict-integrity.md for the rules and why they keep verdicts independent.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import PurePosixPath

POLICY_CLASS = "CandidatePolicy"
#: Compiled with each test runner: the policy and the fail-fast JUnit run
#: (``FirstFailureListener``: first failure, first failed assumption, tests started).
SHARED_CLASSES = (POLICY_CLASS, "FirstFailureListener")

_IMPORT = re.compile(r"^\s*import\s+(static\s+)?([\w.]+?)(\.\*)?\s*;", re.M)


def harness_sources(main_class: str) -> dict[str, str]:
    """The Java sources of a test runner (``main_class``: ``ValidationWorker`` or
    ``FailFastRunner``) and of the classes both runners share (:data:`SHARED_CLASSES`), file name
    -> text, to be compiled together: both engines check and run candidates with the same code."""
    folder = resources.files("fimrepair") / "java"
    return {
        f"{name}.java": (folder / f"{name}.java").read_text(encoding="utf-8") for name in (main_class, *SHARED_CLASSES)
    }


def trusted_names(buggy_source: str, support_sources: dict[str, str] | None = None) -> str:
    """What candidates of a bug may name besides the JDK allow-list, space-separated internal
    names (a trailing ``/``: a package's top-level classes):

    - the benchmark's support classes (relative path ``a/b/Node.java`` -> ``a/b/Node``);
    - the types the bug's own class imports one by one (``import javax.script.ScriptEngine;``):
      the benchmark's code uses them, so its candidates may;
    - the packages it imports on demand, except ``java.*`` ones (``import java.util.*;`` must not
      lift the policy's exclusions inside java.util or java.io).

    Static imports name members, not types: they add nothing."""
    names = [str(PurePosixPath(rel).with_suffix("")) for rel in sorted(support_sources or {})]
    for m in _IMPORT.finditer(buggy_source):
        static, name, star = m.group(1), m.group(2), m.group(3)
        if static:
            continue
        if star:
            if not name.startswith("java."):
                names.append(name.replace(".", "/") + "/")
        else:
            names.append(name.replace(".", "/"))
    return " ".join(dict.fromkeys(names))
