from fimrepair.steps import analyse_benchmark, logged

i, o = snakemake.input, snakemake.output
with logged(snakemake.log[0]):
    analyse_benchmark(i.verdicts, i.bugs, o.summary, o.pairwise, o.table, o.figure, models=snakemake.params.models)
