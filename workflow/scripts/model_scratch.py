from fimrepair.stages.common import logged
from fimrepair.stages.model import model_scratch

i, o, p = snakemake.input, snakemake.output, snakemake.params
with logged(snakemake.log[0], snakemake.threads):
    model_scratch(
        i.train,
        o.model,
        o.loss,
        tokenizer_dir=i.tokenizer,
        spec=p.spec,
        sentinels=p.sentinels,
        seed=p.seed,
        token_ids=p.token_ids,
    )
