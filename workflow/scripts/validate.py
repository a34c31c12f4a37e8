from fimrepair.steps import logged, validate

i = snakemake.input
with logged(snakemake.log[0], snakemake.threads):
    validate(
        i.bugs,
        i.candidates,
        i.root,
        snakemake.output[0],
        per_candidate_timeout_s=snakemake.params.per_candidate_timeout_s,
        workers=snakemake.threads,
        cache_dir=snakemake.params.cache_dir,
    )
