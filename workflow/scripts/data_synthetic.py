from fimrepair.stages.common import logged
from fimrepair.stages.data import data_synthetic

with logged(snakemake.log[0]):
    data_synthetic(
        snakemake.output[0], snakemake.params.n_rows, snakemake.params.seed, snakemake.params.generated_share
    )
