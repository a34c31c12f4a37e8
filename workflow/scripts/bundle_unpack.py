from fimrepair.steps import logged, bundle_unpack

p = snakemake.params
with logged(snakemake.log[0]):
    bundle_unpack(snakemake.input[0], p.out_dir, config=p.config, sha256=p.sha256)
