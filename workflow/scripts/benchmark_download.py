from fimrepair.stages.benchmark import benchmark_download
from fimrepair.stages.common import logged

with logged(snakemake.log[0], offline=False):  # a download: runs on the submit host
    benchmark_download(snakemake.output[0], snakemake.params.spec["repo"], snakemake.params.spec["commit"])
