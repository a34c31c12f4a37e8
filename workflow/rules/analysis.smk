# Stage 8, analysis: per-model counts with statistics, pairwise tests, figures, LaTeX tables
# and the numbers.tex macros that the paper inputs.


rule analysis:
    input:
        verdicts=verdict_files(),
        bugs="results/benchmark/bugs.jsonl",
        losses=loss_files(),
        counts=counts_files(),
        skipped=skipped_files(),
        funnel=["results/data/funnel.tsv", *expand("results/representations/{recipe}/funnel.tsv", recipe=RECIPES)],
        model=base_model_dir(),
    output:
        summary=report("results/analysis/summary.tsv", caption="../report/summary.rst", category="Results"),
        pairwise=report("results/analysis/pairwise.tsv", caption="../report/pairwise.rst", category="Results"),
        numbers="results/paper/generated/numbers.tex",
        tables=expand(
            "results/paper/generated/tables/{table}.tex", table=["results", "funnel", "pairwise", "recipes", "reproduction"]
        ),
        skipped="results/paper/generated/skipped.tex",
        fixed=report("results/paper/generated/figures/fixed.pdf", caption="../report/fixed.rst", category="Figures"),
        outcomes=report("results/paper/generated/figures/outcomes.pdf", caption="../report/outcomes.rst", category="Figures"),
        loss=report("results/paper/generated/figures/loss.pdf", caption="../report/loss.rst", category="Figures"),
    log:
        "logs/analysis/analysis.log",
    params:
        models=MODELS,
        config_name=config["name"],
        reference_plausible=config["analysis"]["reference_plausible"],
        reference_label=config["analysis"]["reference_label"],
        reference_exact=config["analysis"]["reference_exact"],
        reference_model=config["analysis"]["reference_model"],
        generation=config["generation"],
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/analysis.py"
