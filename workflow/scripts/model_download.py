from fimrepair.stages.common import logged
from fimrepair.stages.model import model_download

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    model_download(snakemake.output[0], **snakemake.params.hub)
