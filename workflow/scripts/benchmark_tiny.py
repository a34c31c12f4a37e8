from fimrepair.steps import logged, make_tiny_benchmark

with logged(snakemake.log[0]):
    make_tiny_benchmark(snakemake.output[0])
