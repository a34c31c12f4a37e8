from fimrepair.steps import logged, paper_benchmarks

i = snakemake.input
with logged(snakemake.log[0]):
    paper_benchmarks(i.settings, i.tables, i.figures, snakemake.output[0])
