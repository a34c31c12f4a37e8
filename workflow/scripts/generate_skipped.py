from fimrepair.stages.common import logged
from fimrepair.stages.generate import generate_skipped

with logged(snakemake.log[0]):
    generate_skipped(snakemake.output[0], model_name=snakemake.wildcards.model, reason=snakemake.params.reason)
