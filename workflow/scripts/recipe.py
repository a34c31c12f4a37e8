from fimrepair.steps import logged, recipe

p = snakemake.params
with logged(snakemake.log[0]):
    recipe(
        snakemake.output[0],
        name=p.name,
        spec=p.spec,
        lora=p.lora,
        training=p.training,
        sentinels=p.sentinels,
        seed=p.seed,
        token_ids=p.token_ids,
    )
