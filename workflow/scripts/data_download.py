from fimrepair.steps import data_download, logged

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    data_download(snakemake.output[0], **snakemake.params.hub)
