"""A small mutation check: each claim the paper's numbers rest on has a test that fails when the
code behind it is wrong.

Each mutant is a small edit of the source (``old`` -> ``new``, a line changed or dropped; ``old``
must occur exactly once in its file). For each mutant the script copies ``src/``, ``tests/``
and ``pyproject.toml`` to a scratch directory, applies the edit there (never in this tree),
runs only the tests named for it (``-x``, with a per-mutant time limit) against the scratch
copy, and calls the mutant killed when a test fails. First, a baseline run of all those tests
on an unmutated copy must pass (else the check stops); tests it skips here (no Java, not root)
are reported, as they cannot kill anything.

Usage: ``python bench/mutants.py [--only NAME ...] [--timeout S] [--keep]``. The last line of
the output is one JSON object: ``{"mutants", "killed", "survived": [...], "timeouts": [...],
"seconds"}`` (a mutant whose tests hit the time limit counts as killed and is listed in
``timeouts``). Exit status 1 when a mutant survived.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # relative to the repository root
    old: str
    new: str
    tests: tuple[str, ...]  # pytest node ids


V = "src/fimrepair/validate"
MUTANTS = (
    # The three defects of issue 10, re-introduced.
    Mutant(
        "normalize collapses whitespace inside literals",
        "src/fimrepair/javasrc.py",
        'return _LITERAL_OR_WS.sub(lambda m: " " if m.group(1) is not None else m.group(0), strip_comments(code)).strip()',
        "return collapse_whitespace(strip_comments(code))",
        (
            "tests/test_validate.py::test_whitespace_inside_literals_is_significant",
            "tests/test_validate.py::test_candidates_that_differ_inside_a_literal_are_validated_apart",
        ),
    ),
    Mutant(
        "cache key ignores the validator settings",
        f"{V}/cache.py",
        "[CACHE_FORMAT, version, bug_id, normalised_candidate, settings], ensure_ascii=True",
        "[CACHE_FORMAT, version, bug_id, normalised_candidate], ensure_ascii=True",
        ("tests/test_validate.py::test_cached_verdicts_are_not_reused_under_another_limit",),
    ),
    Mutant(
        "ENGINE_VERSION not in the engine's settings",
        f"{V}/engine.py",
        '"engine": ENGINE_VERSION,',
        '"engine": "engine",',
        (
            "tests/test_engine.py::test_engine_version_and_jdk_are_in_the_cache_key",
            "tests/test_engine.py::test_cached_verdicts_are_not_reused_under_another_engine_version",
        ),
    ),
    Mutant(
        "per-candidate limit not in the engine's settings",
        f"{V}/engine.py",
        '"per_candidate_timeout_s": self.per_candidate_timeout_s,\n            "compile_grace_s"',
        '"compile_grace_s"',
        ("tests/test_engine.py::test_every_engine_setting_is_in_the_cache_key",),
    ),
    Mutant(
        "JVM options not in the engine's settings",
        f"{V}/engine.py",
        '"jvm_options": list(self.jvm_options),\n            "java_level"',
        '"java_level"',
        ("tests/test_engine.py::test_every_engine_setting_is_in_the_cache_key",),
    ),
    Mutant(
        "Java level not in the fresh validator's settings",
        f"{V}/fresh.py",
        '"java_level": self.java_level,\n            "jdk"',
        '"jdk"',
        ("tests/test_validate.py::test_every_fresh_setting_is_in_the_cache_key",),
    ),
    Mutant(
        "tests run and assumption skips never checked",
        f"{V}/verdict.py",
        "    if status is not Status.PLAUSIBLE:\n        return status, failing_test, message\n    if report.get(",
        "    if True:\n        return status, failing_test, message\n    if report.get(",
        (
            "tests/test_validate.py::test_assumption_skips_and_no_test_run_are_not_plausible",
            "tests/test_engine.py::test_assumption_skips_and_no_test_run_are_not_plausible",
        ),
    ),
    Mutant(
        "the test runners do not report assumption failures",
        "src/fimrepair/java/FirstFailureListener.java",
        "            assumptions++;",
        "            if (assumptions < 0) assumptions++;",
        (
            "tests/test_validate.py::test_assumption_skips_and_no_test_run_are_not_plausible",
            "tests/test_engine.py::test_assumption_skips_and_no_test_run_are_not_plausible",
        ),
    ),
    # The loss mask.
    Mutant(
        "completion_only_loss=False",
        "src/fimrepair/finetune.py",
        '"completion_only_loss": True,',
        '"completion_only_loss": False,',
        ("tests/test_loss_mask.py::test_labels_mask_exactly_the_prompt",),
    ),
    Mutant(
        "mask boundary one token early",
        "src/fimrepair/finetune.py",
        '"completion_mask": [0] * len(prompt_ids) + [1] * len(completion_ids)',
        '"completion_mask": [0] * (len(prompt_ids) - 1) + [1] * (len(completion_ids) + 1)',
        ("tests/test_loss_mask.py::test_labels_mask_exactly_the_prompt",),
    ),
    Mutant(
        "mask boundary one token late",
        "src/fimrepair/finetune.py",
        '"completion_mask": [0] * len(prompt_ids) + [1] * len(completion_ids)',
        '"completion_mask": [0] * (len(prompt_ids) + 1) + [1] * (len(completion_ids) - 1)',
        ("tests/test_loss_mask.py::test_labels_mask_exactly_the_prompt",),
    ),
    # Training data.
    Mutant(
        "every training row gets the same FIM mode",
        "src/fimrepair/prompts.py",
        'mode = choose_mode(seed, str(row["row_id"]), fim_rate, spm_rate)',
        'mode = choose_mode(seed, "row", fim_rate, spm_rate)',
        ("tests/test_fim_prompts.py::test_training_pair_mode_shares_follow_the_rates",),
    ),
    *(
        Mutant(
            f"clean_middle does not cut at {marker}",
            "src/fimrepair/generate.py",
            "for marker in (st.eos, st.prefix, st.suffix, st.middle, st.bos):",
            "for marker in "
            + repr(
                tuple(m for m in ("st.eos", "st.prefix", "st.suffix", "st.middle", "st.bos") if m != f"st.{marker}")
            ).replace("'", "")
            + ":",
            ("tests/test_model_generate.py::test_clean_middle_cuts_at_eos_and_every_sentinel",),
        )
        for marker in ("bos", "prefix", "suffix", "middle", "eos")
    ),
    Mutant(
        "clean_middle keeps pad",
        "src/fimrepair/generate.py",
        'middle = text[:cut].replace(st.pad, "")',
        "middle = text[:cut]",
        ("tests/test_model_generate.py::test_clean_middle_drops_pad_and_ends_with_a_newline",),
    ),
    Mutant(
        "decontamination checks only the fixed side",
        "src/fimrepair/decontaminate.py",
        "for h in (self.check_function(buggy), self.check_function(fixed))",
        "for h in (self.check_function(fixed),)",
        ("tests/test_decontaminate.py::test_either_side_of_a_row_matches_either_side_of_a_bug",),
    ),
    Mutant(
        "decontamination indexes only the bug's fixed side",
        "src/fimrepair/decontaminate.py",
        'for side in ("buggy_function", "fixed_function"):',
        'for side in ("fixed_function",):',
        ("tests/test_decontaminate.py::test_either_side_of_a_row_matches_either_side_of_a_bug",),
    ),
    Mutant(
        "decontamination threshold exclusive",
        "src/fimrepair/decontaminate.py",
        "if score >= self.threshold and",
        "if score > self.threshold and",
        ("tests/test_decontaminate.py::test_near_duplicate_threshold_is_inclusive",),
    ),
    Mutant(
        "hole indentation of a replace taken from the fixed line",
        "src/fimrepair/region.py",
        'first_marked = b[b_start] if tag == "insert" else a[a_start]',
        "first_marked = b[b_start]",
        ("tests/test_region_representations.py::test_replace_hunk_takes_the_hole_indent_from_the_buggy_line",),
    ),
    # The engine.
    Mutant(
        "no fresh-worker rerun of a crash or timeout",
        f"{V}/engine.py",
        "if verdict.status in (Status.CRASH, Status.TIMEOUT) and w.served > 1 and not cpu_bound:",
        "if False:",
        ("tests/test_engine.py::test_a_crash_caused_by_an_earlier_candidate_is_rerun_on_a_fresh_worker",),
    ),
    # Issue 19: both backends train the same thing; 16 examples a step whatever the world size.
    Mutant(
        "padding-free left to the backend's default",
        "src/fimrepair/finetune.py",
        '    "padding_free": False,  # exact only with a varlen attention kernel; our batches are length-sorted instead',
        "",
        ("tests/test_unsloth_order.py::test_both_backends_get_the_same_trainer_configuration",),
    ),
    Mutant(
        "each DDP process keeps the whole accumulation",
        "src/fimrepair/training_batches.py",
        "    share = examples_per_step // world_size",
        "    share = examples_per_step",
        ("tests/test_ddp.py::test_batch_plan_keeps_16_examples_per_step_or_refuses",),
    ),
    # Verdict integrity (issue 20).
    Mutant(
        "the worker skips the bytecode policy",
        "src/fimrepair/java/ValidationWorker.java",
        "        if (policy) {\n            String violation = CandidatePolicy.check(",
        "        if (false) {\n            String violation = CandidatePolicy.check(",
        ("tests/test_verdict_integrity.py::test_a_poisoning_attempt_is_rejected_and_later_verdicts_stay_as_alone",),
    ),
    Mutant(
        "normalisation ignores unicode escapes",
        "src/fimrepair/javasrc.py",
        "    code = unicode_unescape(code)\n",
        "",
        ("tests/test_verdict_integrity.py::test_code_hidden_by_a_unicode_escape_is_not_merged_away",),
    ),
    Mutant(
        "a JUnit timeout is an ordinary failure",
        "src/fimrepair/java/CandidatePolicy.java",
        "return t instanceof org.junit.runners.model.TestTimedOutException;",
        "return false;",
        (
            "tests/test_verdict_integrity.py::test_a_junit_timeout_is_a_timeout_and_a_starved_one_is_rerun_on_a_new_worker",
        ),
    ),
)


def scratch_copy(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for name in ("src", "tests"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    shutil.copy2(REPO / "pyproject.toml", dest / "pyproject.toml")
    return dest


def apply(root: Path, m: Mutant) -> None:
    path = root / m.path
    text = path.read_text(encoding="utf-8")
    n = text.count(m.old)
    if n != 1:
        raise SystemExit(
            f"mutant {m.name!r}: the text to replace occurs {n} times in {m.path} (must be once): {m.old!r}"
        )
    path.write_text(text.replace(m.old, m.new), encoding="utf-8")


def run_tests(root: Path, tests: tuple[str, ...], timeout: float, stop_first: bool) -> tuple[str, dict[str, int]]:
    """("passed" | "failed" | "timeout" | "error", junit counts) of ``tests`` in ``root``."""
    report = root / "report.xml"
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={report}",
        *(["-x"] if stop_first else []),
        *tests,
    ]
    try:
        proc = subprocess.run(
            cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout, start_new_session=True, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout", {}
    counts: dict[str, int] = {}
    if report.is_file():
        suite = ET.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        counts = (
            {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")} if suite is not None else {}
        )
    if proc.returncode == 0:
        return "passed", counts
    if proc.returncode == 1 and counts.get("failures", 0) + counts.get("errors", 0) > 0:
        return "failed", counts
    return "error", {**counts, "returncode": proc.returncode, "output": proc.stdout[-2000:] + proc.stderr[-2000:]}  # type: ignore[dict-item]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", default=None, help="mutant names (substrings) to run")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per test run")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args(argv)
    mutants = [m for m in MUTANTS if not args.only or any(o in m.name for o in args.only)]
    if not mutants:
        raise SystemExit("no mutant selected")
    start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="fimrepair-mutants-"))
    try:
        baseline_tests = tuple(dict.fromkeys(t for m in mutants for t in m.tests))
        outcome, counts = run_tests(scratch_copy(work / "baseline"), baseline_tests, args.timeout * 2, stop_first=False)
        print(f"baseline: {outcome} {counts}", flush=True)
        if outcome != "passed" or not counts.get("tests"):
            raise SystemExit("the baseline (unmutated) tests must pass; nothing is decided")
        if counts.get("skipped"):
            print(
                f"note: {counts['skipped']} baseline test(s) skipped here (no Java, not root?): a mutant only they would kill survives",
                flush=True,
            )
        survived, timeouts, killed = [], [], 0
        for k, m in enumerate(mutants):
            root = scratch_copy(work / f"m{k}")
            apply(root, m)
            t0 = time.monotonic()
            outcome, counts = run_tests(root, m.tests, args.timeout, stop_first=True)
            if outcome in ("failed", "timeout"):
                killed += 1
                if outcome == "timeout":
                    timeouts.append(m.name)
            else:
                survived.append(m.name)
            note = "" if outcome != "error" else f" (could not run: {counts})"
            print(
                f"{'KILLED  ' if outcome in ('failed', 'timeout') else 'SURVIVED'} {m.name} [{outcome}, {time.monotonic() - t0:.1f} s]{note}",
                flush=True,
            )
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(
        json.dumps(
            {
                "mutants": len(mutants),
                "killed": killed,
                "survived": survived,
                "timeouts": timeouts,
                "seconds": round(time.monotonic() - start, 1),
            }
        )
    )
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
