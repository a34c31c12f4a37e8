from fimrepair.stages.common import logged
from fimrepair.stages.model import model_facts

p = snakemake.params
with logged(snakemake.log[0]):
    model_facts(snakemake.input.model, snakemake.output[0], sentinels=p.sentinels, token_ids=p.token_ids)
