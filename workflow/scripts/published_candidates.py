from fimrepair.steps import convert_published, logged

w = snakemake.wildcards
with logged(snakemake.log[0]):
    convert_published(snakemake.input.published, snakemake.output[0], system=w.system, benchmark=w.benchmark)
