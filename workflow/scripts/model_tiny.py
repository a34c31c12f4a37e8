from fimrepair.stages.common import logged
from fimrepair.stages.model import model_tiny

p = snakemake.params
with logged(snakemake.log[0], snakemake.threads):
    model_tiny(
        snakemake.input.train,
        snakemake.output.model,
        snakemake.output.loss,
        spec=p.spec,
        sentinels=p.sentinels,
        seed=p.seed,
    )
