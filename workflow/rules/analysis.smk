# Stage 8, analysis: per-model counts with statistics, pairwise tests, figures, LaTeX tables
# and the numbers.tex macros that the paper inputs (the primary benchmark); the same per
# benchmark; the published patch sets beside their authors' claims.


rule analysis:
    input:
        verdicts=verdict_files(),
        bugs=f"results/benchmark/{PRIMARY}/bugs.jsonl",
        settings=f"results/benchmark/{PRIMARY}/settings.json",
        losses=loss_files(),
        counts=counts_files(),
        skipped=skipped_files(),
        funnel=funnel_files(),
        model=analysis_model_input(),
    output:
        summary=report("results/analysis/summary.tsv", caption="../report/summary.rst", category="Results"),
        pairwise=report("results/analysis/pairwise.tsv", caption="../report/pairwise.rst", category="Results"),
        per_bug="results/analysis/per_bug.tsv",
        at_k="results/analysis/at_k.tsv",
        effects="results/analysis/effects.tsv",
        seeds="results/analysis/seeds.tsv",
        numbers="results/paper/generated/numbers.tex",
        tables=expand(
            "results/paper/generated/tables/{table}.tex",
            table=["results", "funnel", "pairwise", "recipes", "reproduction", "at_k", "effects"],
        ),
        skipped="results/paper/generated/skipped.tex",
        fixed=report("results/paper/generated/figures/fixed.pdf", caption="../report/fixed.rst", category="Figures"),
        outcomes=report(
            "results/paper/generated/figures/outcomes.pdf", caption="../report/outcomes.rst", category="Figures"
        ),
        loss=report("results/paper/generated/figures/loss.pdf", caption="../report/loss.rst", category="Figures"),
    log:
        "logs/analysis/analysis.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        models=MODELS,
        config_name=config["name"],
        reference_plausible=config["analysis"]["reference_plausible"],
        reference_label=config["analysis"]["reference_label"],
        reference_bugs=config["analysis"]["reference_bugs"],
        reference_exact=config["analysis"]["reference_exact"],
        reference_model=config["analysis"]["reference_model"],
        generation=config["generation"],
        statistics=statistics_params(),
        seeds=run_seeds(RUNS),
    script:
        "../scripts/analysis.py"


rule analysis_benchmark:
    input:
        verdicts=benchmark_verdict_files,
        bugs="results/benchmark/{benchmark}/bugs.jsonl",
    output:
        summary=report(
            "results/analysis/{benchmark}/summary.tsv", caption="../report/summary.rst", category="Benchmarks"
        ),
        pairwise="results/analysis/{benchmark}/pairwise.tsv",
        per_bug="results/analysis/{benchmark}/per_bug.tsv",
        at_k="results/analysis/{benchmark}/at_k.tsv",
        effects="results/analysis/{benchmark}/effects.tsv",
        seeds="results/analysis/{benchmark}/seeds.tsv",
        table="results/paper/generated/benchmarks/{benchmark}/results.tex",
        figure=report(
            "results/paper/generated/benchmarks/{benchmark}/fixed.pdf",
            caption="../report/fixed.rst",
            category="Benchmarks",
        ),
    log:
        "logs/analysis/{benchmark}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        models=benchmark_models,
        statistics=statistics_params(),
        seeds=run_seeds(RUNS),
    script:
        "../scripts/analysis_benchmark.py"


rule paper_benchmarks:
    input:
        settings=expand("results/benchmark/{benchmark}/settings.json", benchmark=BENCHMARKS),
        tables=expand("results/paper/generated/benchmarks/{benchmark}/results.tex", benchmark=BENCHMARKS),
        figures=expand("results/paper/generated/benchmarks/{benchmark}/fixed.pdf", benchmark=BENCHMARKS),
    output:
        "results/paper/generated/benchmarks.tex",
    log:
        "logs/analysis/benchmarks.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/paper_benchmarks.py"


rule published_analysis:
    input:
        **published_inputs(),
    output:
        tsv=report("results/analysis/published.tsv", caption="../report/published.rst", category="Results"),
        tex="results/paper/generated/tables/published.tex",
    log:
        "logs/analysis/published.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        systems=list(PUBLISHED),
        labels={name: p.get("label") or name for name, p in PUBLISHED.items()},
        benchmarks={name: p["benchmark"] for name, p in PUBLISHED.items()},
    script:
        "../scripts/published_analysis.py"
