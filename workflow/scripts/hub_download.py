from fimrepair.steps import download_hub, logged

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    download_hub(snakemake.output[0], **snakemake.params.hub)
