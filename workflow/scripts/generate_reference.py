from fimrepair.steps import generate_reference, logged

with logged(snakemake.log[0]):
    generate_reference(snakemake.input.bugs, snakemake.output[0], model_name=snakemake.wildcards.model)
