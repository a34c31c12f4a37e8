from fimrepair.steps import logged, prepare_data

p = snakemake.params
with logged(snakemake.log[0]):
    prepare_data(
        snakemake.output.train,
        snakemake.output.test,
        snakemake.output.funnel,
        dataset=p.dataset,
        source=p.source,
        test_size=p.test_size,
        seed=p.seed,
        hub_id=p.hub_id,
        revision=p.revision,
        path=str(snakemake.input[0]) if len(snakemake.input) else None,
    )
