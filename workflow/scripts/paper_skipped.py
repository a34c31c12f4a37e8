from fimrepair.steps import paper_skipped

paper_skipped(snakemake.output[0], snakemake.log[0])
