from fimrepair.steps import logged, model_tiny

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
