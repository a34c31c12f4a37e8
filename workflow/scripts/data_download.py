from fimrepair.stages.common import logged
from fimrepair.stages.data import data_download

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    data_download(snakemake.output[0], **snakemake.params.hub)
