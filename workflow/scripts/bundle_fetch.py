from fimrepair.steps import download_published, logged

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    download_published(snakemake.output[0], snakemake.params.source)
