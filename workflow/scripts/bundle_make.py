from fimrepair.steps import logged, bundle_make

with logged(snakemake.log[0]):
    bundle_make(snakemake.params.members, snakemake.input.model, snakemake.output[0], config=snakemake.params.config)
