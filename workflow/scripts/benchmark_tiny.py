from fimrepair.steps import logged, benchmark_tiny

with logged(snakemake.log[0]):
    benchmark_tiny(snakemake.output[0])
