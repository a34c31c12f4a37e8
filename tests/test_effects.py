"""Claims with their uncertainty (fimrepair.analysis.effects): plausible@k from beam ranks, paired
bootstrap intervals over bugs and seeds, and the exact McNemar test's minimum detectable
difference, each checked against a value computed independently here."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, norm

from fimrepair import analysis


def v(model: str, bug: str, rank: int, status: str, exact: bool = False, seed: int | None = None) -> dict:
    row = {
        "model": model,
        "benchmark": "toy",
        "bug_id": bug,
        "rank": rank,
        "status": status,
        "failing_test": None,
        "message": None,
        "exact_match": exact,
        "ast_match": exact,
        "duplicate_of": None,
    }
    if seed is not None:
        row["seed"] = seed
    return row


# --- plausible@k -------------------------------------------------------------------------


def test_plausible_at_k_from_beam_ranks_with_ties_missing_ranks_and_a_bug_without_candidates() -> None:
    bugs = ["A", "B", "C", "D", "E"]
    rows = [
        # A: plausible at rank 0 and again at rank 3 (a tie in outcome: counts once, at rank 0)
        v("m", "A", 0, "plausible", exact=True),
        v("m", "A", 3, "plausible"),
        # B: ranks 0-3 missing (generation dropped them); first plausible at beam rank 4, so
        # plausible@5 but not @1 - the rank, not the position among the rows, decides
        v("m", "B", 4, "plausible"),
        v("m", "B", 7, "failing", exact=True),
        # C: first plausible exactly at rank 9 (the @10 boundary)
        *[v("m", "C", r, "uncompilable") for r in range(9)],
        v("m", "C", 9, "plausible"),
        # D: ten candidates, none plausible
        *[v("m", "D", r, "failing") for r in range(10)],
        # E: no candidate at all
    ]
    per_bug = analysis.per_bug(pd.DataFrame(rows), bugs)
    got = per_bug.set_index("bug_id")
    assert got.loc["A", "first_plausible_rank"] == 0 and got.loc["B", "first_plausible_rank"] == 4
    assert got.loc["C", "first_plausible_rank"] == 9 and pd.isna(got.loc["D", "first_plausible_rank"])
    assert got.loc["E", "best_status"] == "none" and got.loc["E", "candidates"] == 0
    assert got.loc["D", "best_status"] == "failing" and got.loc["C", "best_status"] == "plausible"
    assert got.loc["B", "first_exact_rank"] == 7 and bool(got.loc["B", "exact"])
    table = analysis.at_k(per_bug, n_bugs=len(bugs)).set_index("k")
    assert list(table["plausible"]) == [1, 2, 3]  # @1: A; @5: A, B; @10: A, B, C
    assert list(table["exact"]) == [1, 1, 2]  # A at rank 0, B at rank 7
    # the plausible@10 count is the bugs-fixed count of the summary
    assert (
        table.loc[10, "plausible"] == analysis.summarise(pd.DataFrame(rows), 5).set_index("model").loc["m", "plausible"]
    )
    for k, row in table.iterrows():
        assert (row["plausible_lo"], row["plausible_hi"]) == analysis.wilson_interval(int(row["plausible"]), 5), k


def test_plausible_at_k_is_per_seed_and_rejects_a_rank_key_twice() -> None:
    rows = [v("fim", "A", 0, "plausible", seed=1), v("fim", "A", 2, "plausible", seed=2)]
    table = analysis.at_k(analysis.per_bug(pd.DataFrame(rows), ["A", "B"]), 2)
    at1 = table[table["k"] == 1].set_index("seed")["plausible"]
    assert at1.to_dict() == {1: 1, 2: 0}
    with pytest.raises(analysis.AnalysisError, match="share a key"):
        analysis.per_bug(pd.DataFrame([v("m", "A", 0, "plausible"), v("m", "A", 0, "failing")]), ["A"])
    with pytest.raises(analysis.AnalysisError, match="not in the benchmark"):
        analysis.per_bug(pd.DataFrame([v("m", "Z", 0, "plausible")]), ["A"])


# --- paired intervals ----------------------------------------------------------------------


def _pair(n: int, only_a: int, only_b: int, both: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.zeros(n, dtype=np.int64)
    b = np.zeros(n, dtype=np.int64)
    a[:only_a] = 1
    b[only_a : only_a + only_b] = 1
    a[only_a + only_b : only_a + only_b + both] = 1
    b[only_a + only_b : only_a + only_b + both] = 1
    return a, b


def test_paired_bootstrap_matches_the_normal_interval_of_paired_differences() -> None:
    # 162 bugs, 30 fixed only by A, 12 only by B: d_i in {1, -1, 0}; the bootstrap distribution
    # of sum(d) is close to normal with sd = sqrt(n * var(d)) (var with ddof=0).
    n, only_a, only_b = 162, 30, 12
    a, b = _pair(n, only_a, only_b, both=50)
    d = a - b
    sd = math.sqrt(n * d.var())
    z = norm.ppf(0.975)
    lo, hi = analysis.paired_bootstrap(a, b, n_resamples=4000, seed=7)
    assert lo == pytest.approx(d.sum() - z * sd, abs=1.5)
    assert hi == pytest.approx(d.sum() + z * sd, abs=1.5)
    assert analysis.paired_bootstrap(a, b, 4000, 7) == (lo, hi)  # seeded: deterministic
    assert analysis.paired_bootstrap(a, a, 4000, 7) == (0.0, 0.0)


def test_two_way_bootstrap_resamples_bugs_and_seeds_as_documented() -> None:
    rng = np.random.default_rng(3)
    a = (rng.random((3, 40)) < 0.4).astype(np.int64)
    b = (rng.random((2, 40)) < 0.3).astype(np.int64)
    lo, hi, reps = analysis.two_way_bootstrap(a, b, n_resamples=300, seed=11)
    # the same replicates, computed with plain loops from the documented draw order
    draw = np.random.default_rng(11)
    expected = []
    for _ in range(300):
        idx = draw.integers(0, 40, 40)
        sa = draw.integers(0, 3, 3)
        sb = draw.integers(0, 2, 2)
        fa = sum(sum(a[s, i] for i in idx) for s in sa) / 3
        fb = sum(sum(b[s, i] for i in idx) for s in sb) / 2
        expected.append(fa - fb)
    assert reps == pytest.approx(expected, abs=1e-12)
    assert (lo, hi) == pytest.approx((np.percentile(expected, 2.5), np.percentile(expected, 97.5)), abs=1e-9)
    # seeds add variance: the same bugs with seed-to-seed differences give a wider interval than
    # the paired bootstrap over bugs of one seed each
    one_lo, one_hi, _ = analysis.two_way_bootstrap(a[:1], b[:1], 2000, 11)
    many_lo, many_hi, _ = analysis.two_way_bootstrap(a, b, 2000, 11)
    assert many_hi - many_lo > 0 and one_hi - one_lo > 0


def test_paired_differences_report_means_over_seeds_and_choose_the_interval() -> None:
    bugs = [f"B{i}" for i in range(6)]
    rows = [v("base", b, 0, "plausible") for b in bugs[:2]]
    rows += [v("fim", b, 0, "plausible", seed=1) for b in bugs[:4]]
    rows += [v("fim", b, 0, "plausible", seed=2) for b in bugs[:2]]
    per_bug = analysis.per_bug(pd.DataFrame(rows), bugs, models=["base", "fim"])
    eff = analysis.paired_differences(
        per_bug, ["base", "fim"], bugs, n_resamples=200, seed=1, alpha=0.05, power=0.8
    ).iloc[0]
    assert (eff["seeds_a"], eff["seeds_b"]) == (1, 2)
    assert (eff["fixed_a"], eff["fixed_b"], eff["diff"]) == (2.0, 3.0, -1.0)
    assert eff["interval"] == "two-way bootstrap over bugs and seeds"
    assert eff["discordant"] == 1.0  # seed 1 differs on 2 bugs, seed 2 on none
    spread = analysis.seed_spread(per_bug, ["base", "fim"]).set_index("model")
    assert spread.loc["fim", "per_seed"] == "1:4 2:2"
    assert spread.loc["fim", "mean"] == 3.0 and spread.loc["fim", "sd"] == pytest.approx(math.sqrt(2))
    assert spread.loc["base", "per_seed"] == "-:2" and spread.loc["base", "sd"] == 0.0


# --- minimum detectable difference -------------------------------------------------------------


def _region_direct(m: int, alpha: float) -> np.ndarray:
    """The rejection region of the two-sided exact McNemar test, written out: the p-value of x
    for p = 1/2 is min(1, 2 * P(X <= min(x, m - x))), a sum of binomial coefficients."""
    keep = []
    for x in range(m + 1):
        tail = sum(math.comb(m, i) for i in range(min(x, m - x) + 1)) / 2**m
        if min(1.0, 2 * tail) <= alpha:
            keep.append(x)
    return np.asarray(keep)


@pytest.mark.parametrize("m", [6, 10, 25, 60])
def test_mcnemar_power_and_the_minimum_detectable_difference(m: int) -> None:
    region = _region_direct(m, 0.05)
    for share in (0.5, 0.7, 0.9, 1.0):
        direct = binom.pmf(region, m, share).sum()
        assert analysis.mcnemar_power(m, share, 0.05) == pytest.approx(direct, abs=1e-12)
    mdd = analysis.min_detectable_difference(162, m / 162, alpha=0.05, power=0.8)
    # a grid search over the share of discordant pairs that favour A, independent of brentq
    grid = np.linspace(0.5, 1.0, 20001)
    power = binom.pmf(region[:, None], m, grid[None, :]).sum(axis=0)
    first = grid[np.argmax(power >= 0.8)]
    assert mdd == pytest.approx(m * (2 * first - 1), abs=m * 2 * (grid[1] - grid[0]) + 1e-9)
    assert 0 < mdd <= m


def test_too_few_discordant_pairs_detect_nothing() -> None:
    # with 5 discordant pairs the smallest two-sided exact p-value is 2 / 2**5 = 0.0625 > 0.05
    assert analysis.min_detectable_difference(40, 5 / 40, alpha=0.05) == math.inf
    assert analysis.min_detectable_difference(40, 0.0, alpha=0.05) == math.inf
    assert analysis.min_detectable_difference(40, 6 / 40, alpha=0.05) < 6


# --- the analysis step with seeds ----------------------------------------------------------------


def test_the_benchmark_analysis_shows_every_seed_the_mean_the_spread_and_the_paired_interval(tmp_path) -> None:
    import json

    from fimrepair.stages import analysis as analysis_stage

    bugs = [f"B{i}" for i in range(8)]
    (tmp_path / "bugs.jsonl").write_text("".join(json.dumps({"bug_id": b}) + "\n" for b in bugs))
    fixed = {  # (model, seed) -> bugs fixed
        ("base", None): bugs[:1],
        ("nofim", 1): bugs[:3],
        ("nofim", 2): bugs[:2],
        ("fim", 1): bugs[:5],
        ("fim", 2): bugs[1:5],
        ("oracle", None): bugs,
        ("identity", None): [],
    }
    files, seeds = [], {}
    for (model, seed), hits in fixed.items():
        path = tmp_path / f"{model}{seed or ''}.jsonl"
        rows = [v(model, b, 0, "plausible" if b in hits else "failing") for b in bugs]
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        files.append(str(path))
        if seed is not None:
            seeds[str(path)] = seed
    out = {name: tmp_path / f"{name}.tsv" for name in ("per_bug", "at_k", "effects", "seeds")}
    analysis_stage.analysis_benchmark(
        files,
        tmp_path / "bugs.jsonl",
        tmp_path / "summary.tsv",
        tmp_path / "pairwise.tsv",
        tmp_path / "table.tex",
        tmp_path / "fixed.pdf",
        models=["base", "nofim", "fim"],
        statistics={"bootstrap_resamples": 500},
        out_uncertainty=out,
        seeds=seeds,
    )
    summary = pd.read_csv(tmp_path / "summary.tsv", sep="\t").set_index("model")["plausible"]
    assert summary.to_dict() == {
        "base": 1,
        "nofim-s1": 3,
        "nofim-s2": 2,
        "fim-s1": 5,
        "fim-s2": 4,
        "oracle": 8,
        "identity": 0,
    }
    pairs = pd.read_csv(tmp_path / "pairwise.tsv", sep="\t")
    assert set(zip(pairs["model_a"], pairs["model_b"], strict=True)) == {
        ("base", "nofim-s1"),
        ("base", "nofim-s2"),
        ("base", "fim-s1"),
        ("base", "fim-s2"),
        ("nofim-s1", "fim-s1"),
        ("nofim-s2", "fim-s2"),
    }
    spread = pd.read_csv(out["seeds"], sep="\t").set_index("model")
    assert spread.loc["fim", "per_seed"] == "1:5 2:4" and spread.loc["fim", "mean"] == 4.5
    assert spread.loc["fim", "sd"] == pytest.approx(math.sqrt(0.5))
    effects = pd.read_csv(out["effects"], sep="\t").set_index(["model_a", "model_b"])
    row = effects.loc[("nofim", "fim")]
    assert row["diff"] == -2.0 and row["interval"] == "two-way bootstrap over bugs and seeds"
    assert row["diff_lo"] <= -2.0 <= row["diff_hi"]
    # the largest Holm-adjusted p of the pair's same-seed tests
    same = pairs[pairs["model_a"].str.startswith("nofim") & pairs["model_b"].str.startswith("fim")]
    assert row["p_holm"] == pytest.approx(same["p_holm"].max())
    assert effects.loc[("base", "fim"), "interval"] == "two-way bootstrap over bugs and seeds"
    per_bug = pd.read_csv(out["per_bug"], sep="\t")
    assert len(per_bug) == len(bugs) * 7 and set(per_bug["seed"].dropna()) == {1, 2}
