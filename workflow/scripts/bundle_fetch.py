from fimrepair.stages.bundle import bundle_fetch
from fimrepair.stages.common import logged

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    bundle_fetch(snakemake.output[0], snakemake.params.source)
