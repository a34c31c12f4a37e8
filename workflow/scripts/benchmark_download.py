from fimrepair.steps import download_benchmark, logged

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    download_benchmark(snakemake.output[0], snakemake.params.spec["repo"], snakemake.params.spec["commit"])
