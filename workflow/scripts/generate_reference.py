from fimrepair.stages.common import logged
from fimrepair.stages.generate import generate_reference

with logged(snakemake.log[0]):
    generate_reference(snakemake.input.bugs, snakemake.output[0], model_name=snakemake.wildcards.model)
