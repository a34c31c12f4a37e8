from fimrepair.steps import analysis_benchmark, logged

i, o = snakemake.input, snakemake.output
with logged(snakemake.log[0]):
    analysis_benchmark(i.verdicts, i.bugs, o.summary, o.pairwise, o.table, o.figure, models=snakemake.params.models)
