from fimrepair.steps import download_hub, logged

with logged(snakemake.log[0]):
    download_hub(snakemake.output[0], **snakemake.params.hub)
