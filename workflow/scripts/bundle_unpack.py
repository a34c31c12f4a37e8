from fimrepair.steps import logged, open_bundle

p = snakemake.params
with logged(snakemake.log[0]):
    open_bundle(snakemake.input[0], p.out_dir, config=p.config, sha256=p.sha256)
