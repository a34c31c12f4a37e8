from fimrepair.stages.common import logged
from fimrepair.stages.generate import published_tiny

with logged(snakemake.log[0]):
    published_tiny(snakemake.input.bugs, snakemake.output[0])
