from fimrepair.steps import logged, make_tiny_published

with logged(snakemake.log[0]):
    make_tiny_published(snakemake.input.bugs, snakemake.output[0])
