from fimrepair.steps import download_benchmark, logged

with logged(snakemake.log[0]):
    download_benchmark(snakemake.output[0], snakemake.params.repo, snakemake.params.commit)
