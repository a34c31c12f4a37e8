from fimrepair.stages.bundle import bundle_unpack
from fimrepair.stages.common import logged

p = snakemake.params
with logged(snakemake.log[0]):
    bundle_unpack(snakemake.input[0], p.out_dir, config=p.config, sha256=p.sha256)
