from fimrepair.steps import benchmark_tiny, logged

with logged(snakemake.log[0]):
    benchmark_tiny(snakemake.output[0])
