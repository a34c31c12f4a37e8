from fimrepair.steps import logged, write_bundle

with logged(snakemake.log[0]):
    write_bundle(snakemake.params.members, snakemake.input.model, snakemake.output[0], config=snakemake.params.config)
