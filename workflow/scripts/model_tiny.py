from fimrepair.steps import build_tiny_model, logged

p = snakemake.params
with logged(snakemake.log[0], snakemake.threads):
    build_tiny_model(snakemake.input.train, snakemake.output.model, snakemake.output.loss, spec=p.spec, sentinels=p.sentinels, seed=p.seed)
