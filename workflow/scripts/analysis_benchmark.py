from fimrepair.stages.analysis import analysis_benchmark
from fimrepair.stages.common import logged

i, o, p = snakemake.input, snakemake.output, snakemake.params
with logged(snakemake.log[0]):
    analysis_benchmark(
        i.verdicts,
        i.bugs,
        o.summary,
        o.pairwise,
        o.table,
        o.figure,
        models=p.models,
        statistics=p.statistics,
        out_uncertainty={name: o[name] for name in ("per_bug", "at_k", "effects", "seeds")},
        seeds=p.seeds,
    )
