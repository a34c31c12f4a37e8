from fimrepair.stages.common import logged
from fimrepair.stages.finetune import recipe
from fimrepair.tokenizer import ModelFacts

p = snakemake.params
facts = ModelFacts.load(snakemake.input.facts)
with logged(snakemake.log[0]):
    recipe(
        snakemake.output[0],
        name=p.name,
        spec=p.spec,
        lora=p.lora,
        training=p.training,
        sentinels=facts.sentinels,
        seed=p.seed,
        token_ids=facts.token_ids,
    )
