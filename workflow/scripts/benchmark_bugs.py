from fimrepair.steps import extract_benchmark, logged

p = snakemake.params
with logged(snakemake.log[0]):
    extract_benchmark(snakemake.input.root, snakemake.output[0], name=p.name, include=p.include, exclude=p.exclude)
