from fimrepair.steps import bundle_fetch, logged

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    bundle_fetch(snakemake.output[0], snakemake.params.source)
