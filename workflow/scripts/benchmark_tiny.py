from fimrepair.stages.benchmark import benchmark_tiny
from fimrepair.stages.common import logged

with logged(snakemake.log[0]):
    benchmark_tiny(snakemake.output[0])
