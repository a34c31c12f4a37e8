from fimrepair.stages.common import logged
from fimrepair.stages.generate import published_download

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    published_download(snakemake.output[0], snakemake.params.url)
