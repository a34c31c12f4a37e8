"""A tiny benchmark in exactly the HumanEval-Java layout, for offline end-to-end tests.

:func:`write_tiny_benchmark` writes, deterministically::

    root/src/main/java/humaneval/buggy/<BUG>.java     package humaneval.buggy
    root/src/main/java/humaneval/correct/<BUG>.java   package humaneval.correct
    root/src/test/java/humaneval/TEST_<BUG>.java      JUnit 4, calls humaneval.buggy.<BUG>
    root/src/main/java/humaneval/humaneval_loc.txt    "NAME START-END" (1-based, END exclusive)
    root/humaneval-java-sf.json                       {BUG: {buggy, fix, begin, end}}

The problems, their classes and tests are original (not taken from HumanEval). Two parts:

- 12 hand-written bugs (below) in domains (calendar, money, physics, geometry, fees...) away
  from the synthetic training corpus of :mod:`fimrepair.synthetic`, each exercising a case
  the pipeline must handle: pure insertion, two hunks, infinite loop, multi-line fix, helper;
- 28 injected-fault bugs (:func:`injected_bugs`, the package resource
  ``data/tinybench_injected.yaml``): methods that never occur in the training data, each
  with one fault made by an injector of :data:`fimrepair.synthetic.INJECTORS`, four per
  family. They make the tiny study a miniature of the real one: the model is fine-tuned on the
  fault families it is tested on, in code it has never seen (decontamination still runs).

The buggy class differs from the correct one only in the package line and inside its one
buggy method; every buggy version compiles and fails at least one test. :data:`BUG_KINDS`
says what each bug exercises.

For a pure insertion (the fix only adds lines) the loc range is empty, ``START-START``,
where START is the buggy-file line before which the fix lines go.
"""

from __future__ import annotations

import difflib
import json
import pathlib
import textwrap
from dataclasses import dataclass
from importlib import resources

__all__ = ["TinyBug", "TINY_BUGS", "BUG_KINDS", "INJECTED_RESOURCE", "injected_bugs", "write_tiny_benchmark", "buggy_region"]


@dataclass(frozen=True)
class TinyBug:
    """One benchmark bug: a class with one public static method (buggy and correct
    versions), an optional non-buggy private helper, and JUnit cases."""

    bug_id: str
    method_name: str
    return_type: str
    description: str
    correct: str
    buggy: str
    tests: tuple[tuple[str, str], ...]  # (Java argument list, expected Java literal)
    kind: str
    helper: str = ""
    imports: bool = False


_BUGS: list[TinyBug] = [
    TinyBug(
        bug_id="LEAP_YEAR",
        method_name="leap_year",
        return_type="boolean",
        description=(
            "Return true when year is a leap year of the Gregorian calendar: divisible\n"
            "by 4, except centuries, which must be divisible by 400.\n"
            ">>> leap_year(2024)\ntrue\n>>> leap_year(1900)\nfalse"
        ),
        correct=(
            "    public static boolean leap_year(int year) {\n"
            "        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;\n"
            "    }\n"
        ),
        buggy=(
            "    public static boolean leap_year(int year) {\n"
            "        return (year % 4 == 0 || year % 100 != 0) || year % 400 == 0;\n"
            "    }\n"
        ),
        tests=(("2000", "true"), ("1900", "false"), ("2024", "true"), ("2023", "false"), ("2100", "false")),
        kind="operator_swap",
    ),
    TinyBug(
        bug_id="CELSIUS_TO_FAHRENHEIT",
        method_name="celsius_to_fahrenheit",
        return_type="double",
        description=(
            "Convert a temperature in degrees Celsius to degrees Fahrenheit.\n"
            ">>> celsius_to_fahrenheit(100.0)\n212.0"
        ),
        correct=(
            "    public static double celsius_to_fahrenheit(double celsius) {\n"
            "        double scaled = celsius * 9.0 / 5.0;\n"
            "        return scaled + 32.0;\n"
            "    }\n"
        ),
        buggy=(
            "    public static double celsius_to_fahrenheit(double celsius) {\n"
            "        double scaled = celsius * 9.0 / 5.0;\n"
            "        return scaled + 23.0;\n"
            "    }\n"
        ),
        tests=(("0.0", "32.0"), ("100.0", "212.0"), ("-40.0", "-40.0"), ("37.0", "98.6")),
        kind="wrong_literal",
    ),
    TinyBug(
        bug_id="SUM_OF_SQUARES",
        method_name="sum_of_squares",
        return_type="long",
        description=(
            "Return 1*1 + 2*2 + ... + n*n (0 when n is smaller than 1).\n"
            ">>> sum_of_squares(3)\n14"
        ),
        correct=(
            "    public static long sum_of_squares(int n) {\n"
            "        long total = 0;\n"
            "        for (int k = 1; k <= n; k++) {\n"
            "            total += (long) k * k;\n"
            "        }\n"
            "        return total;\n"
            "    }\n"
        ),
        buggy=(
            "    public static long sum_of_squares(int n) {\n"
            "        long total = 0;\n"
            "        for (int k = 1; k < n; k++) {\n"
            "            total += (long) k * k;\n"
            "        }\n"
            "        return total;\n"
            "    }\n"
        ),
        tests=(("1", "1L"), ("3", "14L"), ("10", "385L"), ("0", "0L"), ("100", "338350L")),
        kind="off_by_one",
    ),
    TinyBug(
        bug_id="CLOCK_HAND_ANGLE",
        method_name="clock_hand_angle",
        return_type="double",
        description=(
            "Return the smaller angle, in degrees, between the hour and the minute hand\n"
            "of an analog clock showing hour:minute.\n"
            ">>> clock_hand_angle(3, 0)\n90.0\n>>> clock_hand_angle(6, 30)\n15.0"
        ),
        correct=(
            "    public static double clock_hand_angle(int hour, int minute) {\n"
            "        double hour_angle = (hour % 12) * 30.0 + minute * 0.5;\n"
            "        double minute_angle = minute * 6.0;\n"
            "        double diff = Math.abs(hour_angle - minute_angle);\n"
            "        return Math.min(diff, 360.0 - diff);\n"
            "    }\n"
        ),
        buggy=(
            "    public static double clock_hand_angle(int hour, int minute) {\n"
            "        double hour_angle = (hour % 12) * 30.0 + minute * 0.5;\n"
            "        double minute_angle = minute * 6.0;\n"
            "        double diff = Math.abs(hour_angle - minute_angle);\n"
            "        return Math.max(diff, 360.0 - diff);\n"
            "    }\n"
        ),
        tests=(("3, 0", "90.0"), ("12, 0", "0.0"), ("9, 0", "90.0"), ("6, 30", "15.0"), ("12, 30", "165.0")),
        kind="wrong_method_call",
    ),
    TinyBug(
        bug_id="BOXES_NEEDED",
        method_name="boxes_needed",
        return_type="int",
        description=(
            "A warehouse packs items into boxes holding per_box items each. Return how\n"
            "many boxes are needed (0 when there is nothing to pack).\n"
            ">>> boxes_needed(10, 3)\n4"
        ),
        correct=(
            "    public static int boxes_needed(int items, int per_box) {\n"
            "        if (items <= 0) {\n"
            "            return 0;\n"
            "        }\n"
            "        return (items + per_box - 1) / per_box;\n"
            "    }\n"
        ),
        buggy=(
            "    public static int boxes_needed(int items, int per_box) {\n"
            "        if (items <= 0) {\n"
            "            return 0;\n"
            "        }\n"
            "        return (items + items - 1) / per_box;\n"
            "    }\n"
        ),
        tests=(("10, 3", "4"), ("9, 3", "3"), ("0, 5", "0"), ("1, 10", "1"), ("100, 1", "100")),
        kind="wrong_variable",
    ),
    TinyBug(
        bug_id="SPEED_FINE",
        method_name="speed_fine",
        return_type="int",
        description=(
            "Return the fine for driving at speed where the limit is limit: nothing when\n"
            "not over the limit, 50 up to 10 over, 150 up to 30 over, 400 beyond that.\n"
            "Fines double in a school zone.\n"
            ">>> speed_fine(75, 50, true)\n300"
        ),
        correct=(
            "    public static int speed_fine(int speed, int limit, boolean school_zone) {\n"
            "        int over = speed - limit;\n"
            "        if (over <= 0) {\n"
            "            return 0;\n"
            "        }\n"
            "        int fine = 50;\n"
            "        if (over > 10) {\n"
            "            fine = 150;\n"
            "        }\n"
            "        if (over > 30) {\n"
            "            fine = 400;\n"
            "        }\n"
            "        if (school_zone) {\n"
            "            fine = fine * 2;\n"
            "        }\n"
            "        return fine;\n"
            "    }\n"
        ),
        buggy=(
            "    public static int speed_fine(int speed, int limit, boolean school_zone) {\n"
            "        int over = speed - limit;\n"
            "        if (over <= 0) {\n"
            "            return 0;\n"
            "        }\n"
            "        int fine = 50;\n"
            "        if (over > 10) {\n"
            "            fine = 150;\n"
            "        }\n"
            "        if (over > 30) {\n"
            "            fine = 400;\n"
            "        }\n"
            "        if (!school_zone) {\n"
            "            fine = fine * 2;\n"
            "        }\n"
            "        return fine;\n"
            "    }\n"
        ),
        tests=(
            ("50, 50, false", "0"),
            ("55, 50, false", "50"),
            ("75, 50, true", "300"),
            ("100, 50, false", "400"),
            ("40, 50, true", "0"),
        ),
        kind="negated_condition",
    ),
    TinyBug(
        bug_id="PARKING_FEE",
        method_name="parking_fee",
        return_type="int",
        description=(
            "Parking costs nothing for the first 30 minutes, then 2 per started hour,\n"
            "never more than 20 in total. Return the fee for a stay of minutes.\n"
            ">>> parking_fee(31)\n2\n>>> parking_fee(91)\n4"
        ),
        correct=(
            "    public static int parking_fee(int minutes) {\n"
            "        if (minutes <= 30) {\n"
            "            return 0;\n"
            "        }\n"
            "        int hours = (minutes - 30 + 59) / 60;\n"
            "        int fee = hours * 2;\n"
            "        return Math.min(fee, 20);\n"
            "    }\n"
        ),
        buggy=(
            "    public static int parking_fee(int minutes) {\n"
            "        if (minutes <= 30) {\n"
            "            return 0;\n"
            "        }\n"
            "        int hours = (minutes - 30) / 60;\n"
            "        return hours * 2;\n"
            "    }\n"
        ),
        tests=(("10", "0"), ("30", "0"), ("31", "2"), ("90", "2"), ("91", "4"), ("2000", "20")),
        kind="multi_line",
    ),
    TinyBug(
        bug_id="LUHN_CHECK",
        method_name="luhn_check",
        return_type="boolean",
        description=(
            "Validate a card number with the Luhn checksum: from the right, double every\n"
            "second digit (adding the digits of the product), sum everything, and the\n"
            "total must be a multiple of 10. Numbers need at least two digits.\n"
            '>>> luhn_check("79927398713")\ntrue'
        ),
        correct=(
            "    public static boolean luhn_check(String number) {\n"
            "        int total = 0;\n"
            "        int n = number.length();\n"
            "        for (int i = 0; i < n; i++) {\n"
            "            int d = number.charAt(n - 1 - i) - '0';\n"
            "            if (i % 2 == 1) {\n"
            "                total += digit_sum(d * 2);\n"
            "            } else {\n"
            "                total += d;\n"
            "            }\n"
            "        }\n"
            "        return n > 1 && total % 10 == 0;\n"
            "    }\n"
        ),
        buggy=(
            "    public static boolean luhn_check(String number) {\n"
            "        int total = 0;\n"
            "        int n = number.length();\n"
            "        for (int i = 0; i < n; i++) {\n"
            "            int d = number.charAt(n - 1 - i) - '0';\n"
            "            if (i % 2 == 0) {\n"
            "                total += digit_sum(d * 2);\n"
            "            } else {\n"
            "                total += d;\n"
            "            }\n"
            "        }\n"
            "        return n > 1 && total % 10 == 0;\n"
            "    }\n"
        ),
        helper=(
            "    private static int digit_sum(int x) {\n"
            "        return x / 10 + x % 10;\n"
            "    }\n"
        ),
        tests=(
            ('"79927398713"', "true"),
            ('"79927398710"', "false"),
            ('"4539578763621486"', "true"),
            ('"1234567812345670"', "true"),
            ('"0"', "false"),
        ),
        kind="wrong_literal_with_helper",
    ),
    TinyBug(
        bug_id="TRIANGLE_KIND",
        method_name="triangle_kind",
        return_type="String",
        description=(
            'Classify a triangle with integer sides a, b, c: "invalid" when no proper\n'
            'triangle has these sides, "equilateral" when all sides are equal, otherwise\n'
            '"right", "obtuse" or "acute" by its largest angle.\n'
            '>>> triangle_kind(3, 4, 5)\n"right"'
        ),
        correct=(
            "    public static String triangle_kind(int a, int b, int c) {\n"
            "        int[] s = {a, b, c};\n"
            "        Arrays.sort(s);\n"
            "        if (s[0] <= 0 || s[0] + s[1] <= s[2]) {\n"
            '            return "invalid";\n'
            "        }\n"
            "        long a2 = (long) s[0] * s[0];\n"
            "        long b2 = (long) s[1] * s[1];\n"
            "        long c2 = (long) s[2] * s[2];\n"
            "        String angle;\n"
            "        if (a2 + b2 == c2) {\n"
            '            angle = "right";\n'
            "        } else if (a2 + b2 < c2) {\n"
            '            angle = "obtuse";\n'
            "        } else {\n"
            '            angle = "acute";\n'
            "        }\n"
            "        if (s[0] == s[2]) {\n"
            '            return "equilateral";\n'
            "        }\n"
            "        return angle;\n"
            "    }\n"
        ),
        buggy=(
            "    public static String triangle_kind(int a, int b, int c) {\n"
            "        int[] s = {a, b, c};\n"
            "        Arrays.sort(s);\n"
            "        if (s[0] <= 0 || s[0] + s[1] < s[2]) {\n"
            '            return "invalid";\n'
            "        }\n"
            "        long a2 = (long) s[0] * s[0];\n"
            "        long b2 = (long) s[1] * s[1];\n"
            "        long c2 = (long) s[2] * s[2];\n"
            "        String angle;\n"
            "        if (a2 + b2 == c2) {\n"
            '            angle = "right";\n'
            "        } else if (a2 + b2 < c2) {\n"
            '            angle = "obtuse";\n'
            "        } else {\n"
            '            angle = "acute";\n'
            "        }\n"
            "        if (s[0] == s[1]) {\n"
            '            return "equilateral";\n'
            "        }\n"
            "        return angle;\n"
            "    }\n"
        ),
        tests=(
            ("3, 4, 5", '"right"'),
            ("5, 3, 4", '"right"'),
            ("2, 2, 3", '"obtuse"'),
            ("1, 2, 3", '"invalid"'),
            ("5, 5, 5", '"equilateral"'),
            ("4, 5, 6", '"acute"'),
        ),
        kind="two_hunks",
        imports=True,
    ),
    TinyBug(
        bug_id="ELEVATOR_TRIPS",
        method_name="elevator_trips",
        return_type="int",
        description=(
            "People with the given weights board an elevator in order; when the next\n"
            "person would exceed capacity, the elevator makes a trip first. Return the\n"
            "number of trips, or -1 when someone is heavier than the capacity.\n"
            ">>> elevator_trips(new int[] {4, 4, 4, 4}, 8)\n2"
        ),
        correct=(
            "    public static int elevator_trips(int[] weights, int capacity) {\n"
            "        int trips = 0;\n"
            "        int load = 0;\n"
            "        for (int w : weights) {\n"
            "            if (w > capacity) {\n"
            "                return -1;\n"
            "            }\n"
            "            if (load + w > capacity) {\n"
            "                trips++;\n"
            "                load = 0;\n"
            "            }\n"
            "            load += w;\n"
            "        }\n"
            "        if (load > 0) {\n"
            "            trips++;\n"
            "        }\n"
            "        return trips;\n"
            "    }\n"
        ),
        buggy=(
            "    public static int elevator_trips(int[] weights, int capacity) {\n"
            "        int trips = 0;\n"
            "        int load = 0;\n"
            "        for (int w : weights) {\n"
            "            if (w > capacity) {\n"
            "                return -1;\n"
            "            }\n"
            "            if (load + w > capacity) {\n"
            "                trips++;\n"
            "            }\n"
            "            load += w;\n"
            "        }\n"
            "        if (load > 0) {\n"
            "            trips++;\n"
            "        }\n"
            "        return trips;\n"
            "    }\n"
        ),
        tests=(
            ("new int[] {1, 2, 3}, 10", "1"),
            ("new int[] {4, 4, 4, 4}, 8", "2"),
            ("new int[] {6, 3, 6, 3}, 10", "2"),
            ("new int[] {11}, 10", "-1"),
            ("new int[] {}, 5", "0"),
        ),
        kind="pure_insertion",
    ),
    TinyBug(
        bug_id="YEARS_TO_DOUBLE",
        method_name="years_to_double",
        return_type="int",
        description=(
            "A deposit of 100.00 earns rate_percent interest per year, compounded yearly\n"
            "and rounded down to the cent. Return the number of years until the balance\n"
            "reaches 200.00, or -1 when it never grows.\n"
            ">>> years_to_double(10)\n8"
        ),
        correct=(
            "    public static int years_to_double(int rate_percent) {\n"
            "        if (rate_percent <= 0) {\n"
            "            return -1;\n"
            "        }\n"
            "        long balance = 10000;\n"
            "        int years = 0;\n"
            "        while (balance < 20000) {\n"
            "            balance += balance * rate_percent / 100;\n"
            "            years++;\n"
            "        }\n"
            "        return years;\n"
            "    }\n"
        ),
        buggy=(
            "    public static int years_to_double(int rate_percent) {\n"
            "        if (rate_percent < 0) {\n"
            "            return -1;\n"
            "        }\n"
            "        long balance = 10000;\n"
            "        int years = 0;\n"
            "        while (balance < 20000) {\n"
            "            balance += balance * rate_percent / 100;\n"
            "            years++;\n"
            "        }\n"
            "        return years;\n"
            "    }\n"
        ),
        tests=(("100", "1"), ("10", "8"), ("7", "11"), ("0", "-1"), ("-3", "-1")),
        kind="infinite_loop",
    ),
    TinyBug(
        bug_id="GRADE_LETTER",
        method_name="grade_letter",
        return_type="char",
        description=(
            "Map an exam score to a letter: A from 90, B from 80, C from 70, D from 60,\n"
            "F below.\n"
            ">>> grade_letter(80)\n'B'"
        ),
        correct=(
            "    public static char grade_letter(int score) {\n"
            "        if (score >= 90) {\n"
            "            return 'A';\n"
            "        }\n"
            "        if (score >= 80) {\n"
            "            return 'B';\n"
            "        }\n"
            "        if (score >= 70) {\n"
            "            return 'C';\n"
            "        }\n"
            "        if (score >= 60) {\n"
            "            return 'D';\n"
            "        }\n"
            "        return 'F';\n"
            "    }\n"
        ),
        buggy=(
            "    public static char grade_letter(int score) {\n"
            "        if (score >= 90) {\n"
            "            return 'A';\n"
            "        }\n"
            "        if (score > 80) {\n"
            "            return 'B';\n"
            "        }\n"
            "        if (score >= 70) {\n"
            "            return 'C';\n"
            "        }\n"
            "        if (score >= 60) {\n"
            "            return 'D';\n"
            "        }\n"
            "        return 'F';\n"
            "    }\n"
        ),
        tests=(("95", "'A'"), ("80", "'B'"), ("85", "'B'"), ("72", "'C'"), ("10", "'F'")),
        kind="boundary_operator_swap",
    ),
]

INJECTED_RESOURCE = "tinybench_injected.yaml"
"""The package resource (``fimrepair/data/``) with the injected-fault bugs."""


def injected_bugs() -> list[TinyBug]:
    """The bugs of :data:`INJECTED_RESOURCE`: methods that never occur in the training data,
    each with one fault of a family of :data:`fimrepair.synthetic.INJECTORS` (``kind``)."""
    import yaml

    text = resources.files("fimrepair").joinpath("data", INJECTED_RESOURCE).read_text(encoding="utf-8")
    out = []
    for entry in yaml.safe_load(text):
        out.append(
            TinyBug(
                bug_id=entry["bug_id"],
                method_name=entry["method_name"],
                return_type=entry["return_type"],
                description=entry["description"],
                correct=textwrap.indent(entry["correct"], "    "),
                buggy=textwrap.indent(entry["buggy"], "    "),
                tests=tuple((str(args), str(expected)) for args, expected in entry["tests"]),
                kind=entry["kind"],
            )
        )
    return out


TINY_BUGS: dict[str, TinyBug] = {b.bug_id: b for b in sorted(_BUGS + injected_bugs(), key=lambda b: b.bug_id)}
"""The bugs by id: the hand-written edge cases above and the injected-fault bugs."""

BUG_KINDS: dict[str, str] = {b.bug_id: b.kind for b in TINY_BUGS.values()}
"""What each bug exercises; includes ``pure_insertion``, ``two_hunks``,
``infinite_loop`` (the buggy version loops forever on one test input) and ``multi_line``."""


def _class_text(bug: TinyBug, package: str, method: str) -> str:
    parts = [f"package {package};\n", "\n"]
    if bug.imports:
        parts += ["import java.util.*;\n", "\n"]
    parts += [f"/* {bug.description} */\n", "\n", f"public class {bug.bug_id} {{\n", method]
    if bug.helper:
        parts += ["\n", bug.helper]
    parts.append("}\n")
    return "".join(parts)


def _method_begin(bug: TinyBug) -> int:
    """1-based line of the method's signature in the (buggy or correct) class file."""
    head = _class_text(bug, "humaneval.buggy", "")
    return head.split("public class", 1)[0].count("\n") + 2


def buggy_region(buggy: str, fixed: str) -> tuple[int, int]:
    """0-based half-open line range ``[start, end)`` of ``buggy`` spanning from the first
    to the last changed line of the line diff to ``fixed``; empty (``start == end``) for a
    pure insertion, at the line before which the fix is inserted."""
    a = buggy.splitlines()
    b = fixed.splitlines()
    ops = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not ops:
        raise ValueError("buggy and fixed are identical")
    return ops[0][1], ops[-1][2]


def _assertion(bug: TinyBug, expected: str) -> str:
    if bug.return_type in ("double", "float"):
        return f"org.junit.Assert.assertEquals({expected}, result, 1e-6);"
    return f"org.junit.Assert.assertEquals({expected}, result);"


def _test_text(bug: TinyBug) -> str:
    out = ["package humaneval;\n", "\n", f"public class TEST_{bug.bug_id} {{\n"]
    for k, (args, expected) in enumerate(bug.tests):
        if k:
            out.append("\n")
        out += [
            "    @org.junit.Test(timeout = 3000)\n",
            f"    public void test_{k}() throws java.lang.Exception {{\n",
            f"        {bug.return_type} result = humaneval.buggy.{bug.bug_id}.{bug.method_name}({args});\n",
            f"        {_assertion(bug, expected)}\n",
            "    }\n",
        ]
    out.append("}\n")
    return "".join(out)


def write_tiny_benchmark(root: pathlib.Path) -> list[str]:
    """Write the tiny benchmark under ``root`` (HumanEval-Java layout, see module doc)
    and return the bug ids, sorted. Deterministic; overwrites existing files."""
    root = pathlib.Path(root)
    java = root / "src" / "main" / "java" / "humaneval"
    tests = root / "src" / "test" / "java" / "humaneval"
    for d in (java / "buggy", java / "correct", tests):
        d.mkdir(parents=True, exist_ok=True)
    loc_lines: list[str] = []
    sf: dict[str, dict[str, object]] = {}
    for bug_id, bug in TINY_BUGS.items():
        (java / "buggy" / f"{bug_id}.java").write_text(_class_text(bug, "humaneval.buggy", bug.buggy))
        (java / "correct" / f"{bug_id}.java").write_text(_class_text(bug, "humaneval.correct", bug.correct))
        (tests / f"TEST_{bug_id}.java").write_text(_test_text(bug))
        begin = _method_begin(bug)
        start, end = buggy_region(bug.buggy, bug.correct)
        loc_lines.append(f"{bug_id} {begin + start}-{begin + end}")
        sf[bug_id] = {
            "buggy": bug.buggy,
            "fix": bug.correct,
            "begin": begin,
            "end": begin + bug.buggy.count("\n") - 1,
        }
    (java / "humaneval_loc.txt").write_text("\n".join(loc_lines) + "\n")
    (root / "humaneval-java-sf.json").write_text(json.dumps(sf, indent=2, sort_keys=True) + "\n")
    return sorted(TINY_BUGS)
