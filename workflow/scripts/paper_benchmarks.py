from fimrepair.steps import paper_benchmarks, logged

i = snakemake.input
with logged(snakemake.log[0]):
    paper_benchmarks(i.settings, i.tables, i.figures, snakemake.output[0])
