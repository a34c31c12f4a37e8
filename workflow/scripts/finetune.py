from fimrepair.stages.common import logged
from fimrepair.stages.finetune import finetune

i, o, p = snakemake.input, snakemake.output, snakemake.params
with logged(snakemake.log[0], snakemake.threads):
    finetune(
        i.model,
        i.recipe,
        i.train,
        i.eval,
        o.adapter,
        o.loss,
        o.counts,
        checkpoint_dir=p.checkpoints,
        allow_cpu=p.allow_cpu,
    )
