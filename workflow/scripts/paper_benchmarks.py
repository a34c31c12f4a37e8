from fimrepair.steps import benchmarks_section, logged

i = snakemake.input
with logged(snakemake.log[0]):
    benchmarks_section(i.settings, i.tables, i.figures, snakemake.output[0])
