from fimrepair.stages.bundle import bundle_make
from fimrepair.stages.common import logged

with logged(snakemake.log[0]):
    bundle_make(snakemake.params.members, snakemake.input.model, snakemake.output[0], config=snakemake.params.config)
