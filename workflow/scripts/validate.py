from fimrepair.stages.common import logged
from fimrepair.stages.validate import validate

i, p = snakemake.input, snakemake.params
with logged(snakemake.log[0], snakemake.threads):
    validate(
        i.bugs,
        i.candidates,
        i.root,
        snakemake.output.verdicts,
        out_timings=snakemake.output.timings,
        per_candidate_timeout_s=p.per_candidate_timeout_s,
        compile_grace_s=p.compile_grace_s,
        workers=snakemake.threads,
        cache_dir=p.cache_dir,
        kind=p.kind,
        java_level=p.java_level,
    )
