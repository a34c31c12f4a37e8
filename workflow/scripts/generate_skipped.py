from fimrepair.steps import logged, write_skipped

with logged(snakemake.log[0]):
    write_skipped(snakemake.output[0], model_name=snakemake.wildcards.model, reason=snakemake.params.reason)
