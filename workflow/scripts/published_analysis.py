from fimrepair.stages.analysis import published_analysis
from fimrepair.stages.common import logged

i, p = snakemake.input, snakemake.params
systems = [
    {
        "name": name,
        "label": p.labels[name],
        "benchmark": p.benchmarks[name],
        "candidates": i[f"{name}_candidates"],
        "verdicts": i[f"{name}_verdicts"],
        "verdicts_jdk": i[f"{name}_verdicts_jdk"],
        "bugs": i[f"{name}_bugs"],
        "settings": i[f"{name}_settings"],
    }
    for name in p.systems
]
with logged(snakemake.log[0]):
    published_analysis(systems, snakemake.output.tsv, snakemake.output.tex)
