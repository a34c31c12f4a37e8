"""The outcome of validating one candidate method against a bug's tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from fimrepair.bugs import Bug

MAX_MESSAGE = 500


class Status(str, Enum):
    """Verdict classes, from best to worst.

    ``crash``: the test JVM died without reporting (``System.exit`` in the candidate, an
    OutOfMemoryError under ``-XX:+ExitOnOutOfMemoryError``, a signal). ``timeout``: the hard
    per-candidate limit of the validator expired, or a test exceeded its JUnit per-test limit
    (``@Test(timeout=...)``, or the benchmark's limit that the harness applies to tests without
    one; ``failing_test`` names it). ``rejected``: the compiled candidate breaks the bytecode
    policy (:mod:`fimrepair.validate.policy`; the message gives the reason); none of its code
    ran. Only ``plausible`` is plausible.
    """

    PLAUSIBLE = "plausible"
    FAILING = "failing"
    UNCOMPILABLE = "uncompilable"
    TIMEOUT = "timeout"
    CRASH = "crash"
    REJECTED = "rejected"


#: The message of a candidate whose test run ran no test at all.
NO_TEST_RAN = "no test ran"
#: The start of the message of a candidate whose test was skipped by a failed assumption.
ASSUMPTION_SKIPPED = "skipped by a failed assumption"


def report_outcome(report: Mapping[str, Any]) -> tuple[Status, str | None, str | None]:
    """``(status, failing_test, message)`` of a test runner's report (the JSON of
    ``FailFastRunner`` or ``ValidationWorker``: ``status`` plausible|failing|..., ``failing_test``,
    ``message``, ``tests_run``, ``assumption_failures``, ``skipped_test``, ``skipped_message``).

    The rule for ``plausible``: no test failed (the runner's status), at least one test ran,
    and no test was skipped by a failed assumption (``org.junit.Assume``; a skipped test
    passed nothing). A report that breaks the rule is ``failing``, naming the skipped test (or
    none, when no test ran); a missing count counts as zero tests run."""
    status = Status(report["status"])
    failing_test, message = report.get("failing_test"), report.get("message")
    if status is not Status.PLAUSIBLE:
        return status, failing_test, message
    if report.get("assumption_failures"):
        return Status.FAILING, report.get("skipped_test"), f"{ASSUMPTION_SKIPPED}: {report.get('skipped_message')}"
    if not report.get("tests_run"):
        return Status.FAILING, None, NO_TEST_RAN
    return status, failing_test, message


def truncate(text: str | None, limit: int = MAX_MESSAGE) -> str | None:
    """``text`` stripped and cut to ``limit`` characters (an ellipsis marks a cut); None stays None."""
    if text is None:
        return None
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Verdict:
    """One candidate's verdict.

    ``failing_test`` is ``<TestClassSimpleName>.<method>`` of the first failing test (tests run
    in name order, so it is reproducible); ``message`` the first compiler error or the failure
    message (at most ~500 characters); ``compile_s``/``test_s`` wall seconds of the two phases.
    """

    status: Status
    failing_test: str | None = None
    message: str | None = None
    compile_s: float = 0.0
    test_s: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "message", truncate(self.message))

    @property
    def plausible(self) -> bool:
        return self.status is Status.PLAUSIBLE

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "failing_test": self.failing_test,
            "message": self.message,
            "compile_s": self.compile_s,
            "test_s": self.test_s,
        }

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Verdict:
        return cls(
            status=Status(row["status"]),
            failing_test=row.get("failing_test"),
            message=row.get("message"),
            compile_s=float(row.get("compile_s", 0.0)),
            test_s=float(row.get("test_s", 0.0)),
        )


@runtime_checkable
class Validator(Protocol):
    """Anything that validates a candidate method for a bug: the fresh-process engine
    (:class:`fimrepair.validate.fresh.FreshValidator`) or a persistent-JVM engine.

    Implementations must be safe to call from several threads at once.
    """

    def validate(self, bug: Bug, function: str) -> Verdict: ...
