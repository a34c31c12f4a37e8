from fimrepair.stages.common import logged
from fimrepair.stages.generate import generate
from fimrepair.tokenizer import ModelFacts

i, p = snakemake.input, snakemake.params
facts = ModelFacts.load(i.facts)
with logged(snakemake.log[0], snakemake.threads):
    generate(
        i.model,
        i.get("adapter"),
        i.bugs,
        snakemake.output[0],
        model_name=p.model_name,
        prompt_style=p.prompt_style,
        sentinels=facts.sentinels,
        decoding=p.decoding,
        seed=p.seed,
        token_ids=facts.token_ids,
        allow_cpu=p.allow_cpu,
    )
