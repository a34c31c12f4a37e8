from fimrepair.stages.paper import paper_skipped

paper_skipped(snakemake.output[0], snakemake.log[0])
