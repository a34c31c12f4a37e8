from fimrepair.stages.common import logged
from fimrepair.stages.generate import published_candidates

w = snakemake.wildcards
with logged(snakemake.log[0]):
    published_candidates(snakemake.input.published, snakemake.output[0], system=w.system, benchmark=w.benchmark)
