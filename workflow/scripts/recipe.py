from fimrepair.steps import logged, write_recipe

p = snakemake.params
with logged(snakemake.log[0]):
    write_recipe(
        snakemake.output[0],
        name=snakemake.wildcards.recipe,
        recipe=p.recipe,
        lora=p.lora,
        training=p.training,
        sentinels=p.sentinels,
        seed=p.seed,
        token_ids=p.token_ids,
    )
