from fimrepair.steps import generate_skipped, logged

with logged(snakemake.log[0]):
    generate_skipped(snakemake.output[0], model_name=snakemake.wildcards.model, reason=snakemake.params.reason)
