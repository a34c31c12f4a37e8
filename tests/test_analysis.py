"""Analysis and paper stages on synthetic verdicts with hand-computed answers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from fimrepair import analysis, paper

REPO = Path(__file__).resolve().parents[1]
BUGS = [f"B{i}" for i in range(1, 7)]  # a 6-bug benchmark


def v(
    model: str,
    bug: str,
    rank: int,
    status: str,
    exact: bool = False,
    ast: bool = False,
    dup: int | None = None,
    failing_test: str | None = None,
) -> dict:
    """One verdict row."""
    return {
        "model": model,
        "benchmark": "toy",
        "bug_id": bug,
        "rank": rank,
        "status": status,
        "failing_test": failing_test,
        "message": None,
        "compile_s": 0.1,
        "test_s": 0.2,
        "exact_match": exact,
        "ast_match": ast,
        "duplicate_of": dup,
    }


def toy_rows() -> list[dict]:
    """oracle 6/6, identity 0/6, and two real models with hand-counted outcomes.

    nofim: B1 plausible+exact+ast; B2 plausible (ast only) after an uncompilable one;
           B3 two failing (second a duplicate); B4 timeout; B5 uncompilable; B6 nothing.
      -> plausible {B1,B2}=2, exact {B1}=1, ast {B1,B2}=2, compilable {B1..B4}=4,
         candidates 8, distinct 7.
    fim_psm: B1 plausible; B3 plausible+exact+ast; B5 crash; B6 two uncompilable (dup).
      -> plausible {B1,B3}=2, exact {B3}=1, ast {B3}=1, compilable {B1,B3,B5}=3,
         candidates 5, distinct 4.
    """
    rows = [v("oracle", b, 0, "plausible", True, True) for b in BUGS]
    rows += [v("identity", b, 0, "failing", failing_test="t") for b in BUGS]
    rows += [
        v("nofim", "B1", 0, "plausible", True, True),
        v("nofim", "B1", 1, "failing"),
        v("nofim", "B2", 0, "uncompilable"),
        v("nofim", "B2", 1, "plausible", ast=True),
        v("nofim", "B3", 0, "failing"),
        v("nofim", "B3", 1, "failing", dup=0),
        v("nofim", "B4", 0, "timeout"),
        v("nofim", "B5", 0, "uncompilable"),
        v("fim_psm", "B1", 0, "plausible"),
        v("fim_psm", "B3", 0, "plausible", True, True),
        v("fim_psm", "B5", 0, "crash"),
        v("fim_psm", "B6", 0, "uncompilable"),
        v("fim_psm", "B6", 1, "uncompilable", dup=0),
    ]
    return rows


@pytest.fixture
def verdicts() -> pd.DataFrame:
    return pd.DataFrame(toy_rows())


@pytest.fixture
def summary(verdicts: pd.DataFrame) -> pd.DataFrame:
    return analysis.summarise(verdicts, n_bugs=6)


@pytest.fixture
def pairs(verdicts: pd.DataFrame) -> pd.DataFrame:
    return analysis.pairwise(verdicts, ["nofim", "fim_psm", "oracle"], n_bugs=6)


LOSS = [
    {"recipe": r, "step": s, "epoch": s / 10, "loss": 2.0 / (s + 1) + k, "split": split}
    for k, r in enumerate(["nofim", "fim_psm"])
    for s in range(0, 10)
    for split in ("train", "eval")
    if split == "train" or s % 3 == 0
]
FUNNEL = [
    {
        "dataset": "megadiff_sf",
        "step": "download",
        "rows_in": 72393,
        "rows_out": 72393,
        "reason": "single-function split",
    },
    {
        "dataset": "megadiff_sf",
        "step": "dedupe",
        "rows_in": 72393,
        "rows_out": 65600,
        "reason": "duplicate (buggy, fixed) pairs & 100% identical",
    },
    {
        "dataset": "megadiff_sf",
        "step": "length",
        "rows_in": 65600,
        "rows_out": 40000,
        "reason": "samples >= 1024 tokens dropped",
    },
]


# --- summary -----------------------------------------------------------------------------


def test_summary_counts_are_exact(summary: pd.DataFrame) -> None:
    s = summary.set_index("model")
    assert list(summary["model"]) == ["nofim", "fim_psm", "oracle", "identity"]
    cols = ["bugs", "plausible", "exact", "ast", "compilable", "candidates", "distinct_candidates"]
    assert s.loc["nofim", cols].tolist() == [6, 2, 1, 2, 4, 8, 7]
    assert s.loc["fim_psm", cols].tolist() == [6, 2, 1, 1, 3, 5, 4]
    assert s.loc["oracle", cols].tolist() == [6, 6, 6, 6, 6, 6, 6]
    assert s.loc["identity", cols].tolist() == [6, 0, 0, 0, 6, 6, 6]
    assert s.loc["nofim", "plausible_rate"] == pytest.approx(2 / 6)
    assert s.loc["nofim", "compilable_rate"] == pytest.approx(4 / 6)
    assert s.loc["oracle", "reference"] and not s.loc["nofim", "reference"]
    lo, hi = analysis.wilson_interval(2, 6)
    assert (s.loc["nofim", "plausible_lo"], s.loc["nofim", "plausible_hi"]) == (lo, hi)


def test_summary_counts_missing_bugs_and_models_as_not_fixed(verdicts) -> None:
    s = analysis.summarise(verdicts, n_bugs=10, models=["fim_psm", "nofim", "base"])
    assert list(s["model"]) == ["fim_psm", "nofim", "base", "oracle", "identity"]
    base = s.set_index("model").loc["base"]
    assert (base["plausible"], base["candidates"], base["bugs"]) == (0, 0, 10)
    assert s.set_index("model").loc["fim_psm", "plausible_rate"] == pytest.approx(0.2)
    with pytest.raises(analysis.AnalysisError, match="more than the benchmark"):
        analysis.summarise(verdicts, n_bugs=5)


def test_bad_verdicts_fail_loudly_naming_the_row(verdicts) -> None:
    bad = verdicts.copy()
    bad.loc[3, "status"] = "passed"
    with pytest.raises(analysis.AnalysisError, match="'passed'.*bug_id='B4'"):
        analysis.summarise(bad, 6)
    dup = pd.concat([verdicts, verdicts.iloc[[20]]])
    with pytest.raises(analysis.AnalysisError, match="share a key"):
        analysis.summarise(dup, 6)
    with pytest.raises(analysis.AnalysisError, match="mix benchmarks"):
        analysis.summarise(verdicts.assign(benchmark=["x"] + ["toy"] * (len(verdicts) - 1)), 6)


# --- statistics ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        (5, 10, 0.2366, 0.7634),  # textbook values
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (134, 162, 0.7615, 0.8776),  # computed by hand from the formula
    ],
)
def test_wilson_interval_known_values(k: int, n: int, lo: float, hi: float) -> None:
    got = analysis.wilson_interval(k, n)
    assert got == pytest.approx((lo, hi), abs=5e-5)


def test_mcnemar_exact_known_values() -> None:
    assert analysis.mcnemar_exact(8, 1) == pytest.approx(0.0390625, abs=1e-12)
    assert analysis.mcnemar_exact(1, 8) == pytest.approx(0.0390625, abs=1e-12)
    assert analysis.mcnemar_exact(5, 0) == pytest.approx(0.0625, abs=1e-12)
    assert analysis.mcnemar_exact(3, 3) == 1.0
    assert analysis.mcnemar_exact(0, 0) == 1.0


def test_holm() -> None:
    assert analysis.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_pairwise_counts(pairs: pd.DataFrame) -> None:
    assert len(pairs) == 1  # the reference model is not compared
    row = pairs.iloc[0]
    assert (row["model_a"], row["model_b"]) == ("nofim", "fim_psm")
    assert [row[c] for c in ("both", "only_a", "only_b", "neither")] == [1, 1, 1, 3]
    assert row["p_value"] == 1.0 and row["p_holm"] == 1.0


def test_pairwise_known_p_value() -> None:
    bugs = [f"X{i}" for i in range(12)]
    # a fixes X0..X8 (9), b fixes X8 and X9: both 1, only_a 8, only_b 1, neither 2
    rows = [
        v(
            "a",
            b,
            0,
            "plausible" if i <= 8 else "failing",
        )
        for i, b in enumerate(bugs)
    ]
    rows += [v("b", b, 0, "plausible" if i in (8, 9) else "failing") for i, b in enumerate(bugs)]
    p = analysis.pairwise(pd.DataFrame(rows), ["a", "b"], 12).iloc[0]
    assert [p["both"], p["only_a"], p["only_b"], p["neither"]] == [1, 8, 1, 2]
    assert p["p_value"] == pytest.approx(0.0390625, abs=1e-12)


# --- reference check ---------------------------------------------------------------------


def test_check_references_passes_on_sane_harness(summary, verdicts) -> None:
    analysis.check_references(summary, verdicts)


def test_check_references_names_broken_oracle_bug(verdicts) -> None:
    broken = verdicts.copy()
    i = broken.index[(broken["model"] == "oracle") & (broken["bug_id"] == "B4")][0]
    broken.loc[i, ["status", "failing_test"]] = ["failing", "TEST_B4::test_0"]
    s = analysis.summarise(broken, 6)
    with pytest.raises(
        analysis.ReferenceCheckError, match=r"'oracle' is 5/6 plausible.*B4 \(failing TEST_B4::test_0\)"
    ):
        analysis.check_references(s, broken)
    with pytest.raises(analysis.ReferenceCheckError, match="'oracle'"):
        analysis.check_references(s)  # without verdicts: no bug names, still an error


def test_check_references_identity_and_missing(verdicts) -> None:
    broken = verdicts.copy()
    i = broken.index[(broken["model"] == "identity") & (broken["bug_id"] == "B2")][0]
    broken.loc[i, "status"] = "plausible"
    s = analysis.summarise(broken, 6)
    with pytest.raises(analysis.ReferenceCheckError, match="'identity'.*plausible on B2"):
        analysis.check_references(s, broken)
    no_oracle = verdicts[verdicts["model"] != "oracle"]
    s = analysis.summarise(no_oracle, 6)
    with pytest.raises(analysis.ReferenceCheckError, match="'oracle' is missing"):
        analysis.check_references(s)
    analysis.check_references(s, require=False)


def test_check_references_names_oracle_bugs_without_rows(verdicts) -> None:
    partial = verdicts[~((verdicts["model"] == "oracle") & (verdicts["bug_id"] == "B6"))]
    s = analysis.summarise(partial, 6)
    with pytest.raises(analysis.ReferenceCheckError, match=r"B6 \(no candidate\)"):
        analysis.check_references(s, partial, bug_ids=BUGS)


# --- tables --------------------------------------------------------------------------------


def test_table_results_escapes_and_orders(summary) -> None:
    tex = analysis.table_results(summary)
    assert r"fim\_psm" in tex and "fim_psm" not in tex
    assert r"\toprule" in tex and r"\bottomrule" in tex
    assert tex.index("nofim") < tex.index(r"oracle$^\dagger$") < tex.index("identity")
    assert "sanity check" in tex
    assert r"\textbf{2}" in tex  # best real plausible count in bold


def test_table_pairwise_and_funnel(pairs) -> None:
    tex = analysis.table_pairwise(pairs)
    assert r"fim\_psm" in tex and "fim_psm" not in tex and "nofim" in tex
    funnel = analysis.table_funnel(FUNNEL)
    assert r"megadiff\_sf" in funnel and "72{,}393" in funnel and "6{,}793" in funnel
    assert r"\& 100\% identical" in funnel
    with pytest.raises(analysis.AnalysisError, match="rows_out"):
        analysis.table_funnel([dict(FUNNEL[0], rows_out=80000)])


# --- numbers.tex -------------------------------------------------------------------------


def test_macro_name() -> None:
    assert paper.macro_name("fim_psm") == "FimPsm"
    assert paper.macro_name("nofim") == "Nofim"
    assert paper.macro_name("ir4xor2") == "IrFourXorTwo"
    assert paper.macro_name("fim-spm0.5") == "FimSpmZeroFive"
    with pytest.raises(paper.PaperError):
        paper.macro_name("__")


def test_numbers_tex_macros_valid_and_unique(summary, pairs) -> None:
    tex = paper.numbers_tex(summary, {"ConfigName": "tiny_cpu", "NTrainRows": 40000}, pairs)
    names = re.findall(r"\\newcommand\{\\([^}]*)\}", tex)
    assert names and all(re.fullmatch(r"[A-Za-z]+", n) for n in names)
    assert len(names) == len(set(names))
    assert len(names) == len(tex.strip().splitlines()) - 1  # one macro per line + header
    assert r"\newcommand{\PlausibleFimPsm}{2}" in tex
    assert r"\newcommand{\ExactNofim}{1}" in tex
    assert r"\newcommand{\PlausibleRateNofim}{33.3}" in tex
    assert r"\newcommand{\PlausibleOracle}{6}" in tex
    assert r"\newcommand{\NBugs}{6}" in tex
    assert r"\newcommand{\ConfigName}{tiny\_cpu}" in tex
    assert r"\newcommand{\NTrainRows}{40{,}000}" in tex
    assert r"\newcommand{\BestModel}{fim\_psm}" in tex  # tied on plausible and exact: name
    assert r"\newcommand{\ContrastA}{nofim}" in tex
    assert r"\newcommand{\ContrastPValue}{1}" in tex


def test_numbers_tex_rejects_bad_names(summary) -> None:
    with pytest.raises(paper.PaperError, match="letters only"):
        paper.numbers_tex(summary, {"N_Bugs": 1})
    with pytest.raises(paper.PaperError, match="defined twice"):
        paper.numbers_tex(summary, {"NBugs": 1})
    clash = pd.concat([summary, summary.iloc[[1]].assign(model="fim-psm")])
    with pytest.raises(paper.PaperError, match="same macro name"):
        paper.numbers_tex(clash, {})


def test_numbers_tex_defines_paper_macros_without_pairs(summary) -> None:
    tex = paper.numbers_tex(summary, {"ConfigName": "x"})
    assert r"\newcommand{\ContrastPValue}{n/a}" in tex


def test_contrast_defaults_to_fim_vs_nofim(verdicts) -> None:
    renamed = verdicts.replace({"model": {"fim_psm": "fim"}})
    s = analysis.summarise(renamed, 6)
    pairs = analysis.pairwise(renamed, ["fim", "nofim"], 6)
    tex = paper.numbers_tex(s, {}, pairs)
    assert r"\newcommand{\ContrastA}{fim}" in tex and r"\newcommand{\ContrastB}{nofim}" in tex
    with pytest.raises(paper.PaperError, match="not among"):
        paper.numbers_tex(s, {}, pairs, contrast=("fim", "base"))


# --- figures -------------------------------------------------------------------------------


def test_figures_written_nonempty_and_deterministic(tmp_path, verdicts, summary) -> None:
    written = [
        *analysis.fig_outcomes(verdicts, tmp_path / "outcomes.pdf"),
        *analysis.fig_fixed(summary, tmp_path / "fixed.pdf", reference=("RepairLLaMA", 5)),
        *analysis.fig_loss(LOSS, tmp_path / "loss.pdf"),
        *analysis.fig_loss([], tmp_path / "loss_empty.pdf"),
    ]
    assert len(written) == 8
    for path in written:
        assert path.stat().st_size > 1000, path
        magic = b"%PDF" if path.suffix == ".pdf" else b"\x89PNG"
        assert path.read_bytes().startswith(magic)
    first = (tmp_path / "fixed.pdf").read_bytes()
    assert b"CreationDate" not in first
    analysis.fig_fixed(summary, tmp_path / "fixed.pdf", reference=("RepairLLaMA", 5))
    assert (tmp_path / "fixed.pdf").read_bytes() == first


# --- the paper -----------------------------------------------------------------------------


def test_write_paper_inputs_needs_config_name(tmp_path, summary, pairs, verdicts) -> None:
    with pytest.raises(paper.PaperError, match="ConfigName"):
        paper.write_paper_inputs(tmp_path, summary, pairs, FUNNEL, LOSS, verdicts, {})


def test_build_pdf_without_tex_returns_false(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(paper.shutil, "which", lambda name: None)
    log = tmp_path / "logs" / "paper.log"
    assert paper.build_pdf(tmp_path, log) is False
    assert "latexmk not found" in log.read_text()


@pytest.mark.skipif(shutil.which("latexmk") is None, reason="latexmk (TeX Live) not installed")
def test_paper_builds(tmp_path, summary, pairs, verdicts) -> None:
    paper.copy_sources(REPO / "paper", tmp_path)
    written = paper.write_paper_inputs(
        tmp_path / "generated",
        summary,
        pairs,
        FUNNEL,
        LOSS,
        verdicts,
        {"ConfigName": "test_toy"},
        reference=("published (illustrative)", 5),
    )
    for rel in (
        "numbers.tex",
        "tables/results.tex",
        "tables/funnel.tex",
        "tables/pairwise.tex",
        "figures/fixed.pdf",
        "figures/outcomes.pdf",
        "figures/loss.pdf",
    ):
        assert (tmp_path / "generated" / rel) in written.values(), rel
    out = tmp_path / "out"
    assert paper.build_pdf(tmp_path, tmp_path / "build.log", out_dir=out) is True
    pdf = out / "main.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
    log = (out / "main.log").read_text(errors="replace")
    assert "undefined" not in log.lower(), "undefined citation or reference in the paper"
    with pytest.raises(RuntimeError, match="latexmk failed"):
        (tmp_path / "generated" / "numbers.tex").write_text("\\undefinedmacro\n")
        paper.build_pdf(tmp_path, tmp_path / "build2.log", out_dir=tmp_path / "out2")


@pytest.mark.parametrize("n", [1, 7, 12, 162])
def test_wilson_interval_brackets_the_rate_exactly_at_the_ends(n: int) -> None:
    # Rounding once gave a lower bound of 2.8e-17 above a rate of 0 (a negative error bar).
    for k in range(n + 1):
        lo, hi = analysis.wilson_interval(k, n)
        assert 0.0 <= lo <= k / n <= hi <= 1.0
    assert analysis.wilson_interval(0, n)[0] == 0.0 and analysis.wilson_interval(n, n)[1] == 1.0


def _published_row(i: int, label: str) -> dict:
    from fimrepair.published import CLASSES

    return {
        "label": label,
        "java_level": 8,
        "claimed_plausible": 118 + i,
        "claimed_exact": 75 + i,
        "plausible": 117 + i,
        "exact": 74 + i,
        "plausible_jdk": 119,
        "agree": 1_540 + i,
        "candidates": 1_620,
        "level_changed": 12,
        "unstable": 3,
        **{f"dis_{k}": 10 * i + j for j, (k, _) in enumerate(CLASSES)},
    }


def test_the_paper_fits_its_pages_with_uncertainty_and_three_published_sets(tmp_path, verdicts) -> None:
    """The paper with the paper configuration's three published sets (their long labels) and the
    uncertainty tables builds without an overfull box (build_pdf fails on one wider than 3 pt);
    the published table's disagreement classes show their counts. Before: the published table
    ran 1,230 pt past the right edge and hid the counts; the funnel table 44 pt."""
    from fimrepair.published import CLASSES
    from fimrepair.stages import analysis as analysis_stage

    paper.copy_sources(REPO / "paper", tmp_path)
    models = ["nofim", "fim_psm"]
    summary = analysis.summarise(verdicts, 6, models=models)
    pairs = analysis.pairwise(verdicts, models, 6)
    stats = analysis_stage.statistics_settings({"bootstrap_resamples": 200})
    frames = analysis_stage.uncertainty(verdicts, BUGS, models, stats, {})
    paper.write_paper_inputs(
        tmp_path / "generated",
        summary,
        pairs,
        FUNNEL,
        LOSS,
        verdicts,
        {"ConfigName": "test_toy"},
        uncertainty={**frames, "alpha": stats["alpha"]},
    )
    labels = ["RepairLLaMA CodeLlama IR4xOR2", "RepairLLaMA DeepSeek-Coder base", "RepairLLaMA DeepSeek-Coder LoRA"]
    published = analysis.table_published([_published_row(i, label) for i, label in enumerate(labels)])
    (tmp_path / "generated" / "tables" / "published.tex").write_text(published)
    for key, text in CLASSES:  # every class row carries one count per system
        row = next(line for line in published.splitlines() if line.startswith(analysis.latex_escape(text) + " &"))
        assert len(row.rstrip(" \\").split(" & ")) == 1 + len(labels), key
    assert paper.build_pdf(tmp_path, tmp_path / "build.log", out_dir=tmp_path / "out") is True
    numbers = (tmp_path / "generated" / "numbers.tex").read_text()
    assert r"\newcommand{\NSeeds}{1}" in numbers and r"\newcommand{\Alpha}{0.05}" in numbers
    effects = (tmp_path / "generated" / "tables" / "effects.tex").read_text()
    assert "nofim -- fim\\_psm" in effects and "MDD" in effects


def test_an_overfull_table_fails_the_paper_build(tmp_path, summary, pairs, verdicts) -> None:
    paper.copy_sources(REPO / "paper", tmp_path)
    paper.write_paper_inputs(tmp_path / "generated", summary, pairs, FUNNEL, LOSS, verdicts, {"ConfigName": "t"})
    wide = r"\begin{tabular}{l}" + "\n" + "x" * 300 + r" \\" + "\n" + r"\end{tabular}" + "\n"
    (tmp_path / "generated" / "tables" / "recipes.tex").write_text(wide)
    with pytest.raises(RuntimeError, match=r"overfull box\(es\) wider than 3.0 pt"):
        paper.build_pdf(tmp_path, tmp_path / "build.log", out_dir=tmp_path / "out")
    assert paper.overfull_boxes("Overfull \\hbox (2.5pt too wide) in paragraph at lines 1--2\n") == []
    assert paper.overfull_boxes("Overfull \\hbox (44.06693pt too wide) in paragraph at lines 1--240\n") == [
        "Overfull \\hbox (44.06693pt too wide) in paragraph at lines 1--240"
    ]
