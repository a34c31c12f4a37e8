from fimrepair.stages.common import logged
from fimrepair.stages.model import adapter_download

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    adapter_download(snakemake.output[0], **snakemake.params.hub)
