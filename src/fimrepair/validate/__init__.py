"""The validate stage: compile and test candidate methods, grade them against the fix.

Engines implement :class:`Validator` (``validate(bug, function) -> Verdict``); this package
provides :class:`Engine` (K persistent, sandboxed worker JVMs: in-memory compilation, a fresh
class loader per candidate; the default) and :class:`FreshValidator` (a fresh javac + java per
candidate: the slow baseline). :func:`validate_candidates` runs any engine over candidate rows
with deduplication, an optional on-disk :class:`VerdictCache` and one shared worker queue;
:func:`validate_file`, the one way in for the workflow's stage and ``fimrepair validate``, runs it
on a candidates file and a benchmark root.
"""

from fimrepair.validate.cache import VerdictCache
from fimrepair.validate.engine import Engine
from fimrepair.validate.fresh import FreshValidator
from fimrepair.validate.grading import ast_match, exact_match
from fimrepair.validate.javac import DEFAULT_JAR_NAMES, default_jars
from fimrepair.validate.run import VERDICT_COLUMNS, summarise, validate_candidates, validate_file
from fimrepair.validate.verdict import Status, Validator, Verdict
from fimrepair.validate.worker import EngineError

__all__ = [
    "DEFAULT_JAR_NAMES",
    "VERDICT_COLUMNS",
    "Engine",
    "EngineError",
    "FreshValidator",
    "Status",
    "Validator",
    "Verdict",
    "VerdictCache",
    "ast_match",
    "default_jars",
    "exact_match",
    "summarise",
    "validate_candidates",
    "validate_file",
]
