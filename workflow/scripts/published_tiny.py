from fimrepair.steps import logged, published_tiny

with logged(snakemake.log[0]):
    published_tiny(snakemake.input.bugs, snakemake.output[0])
