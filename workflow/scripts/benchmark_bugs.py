from fimrepair.stages.benchmark import benchmark_bugs
from fimrepair.stages.common import logged

o, spec = snakemake.output, snakemake.params.spec
with logged(snakemake.log[0]):
    benchmark_bugs(
        snakemake.input.root,
        o.bugs,
        name=spec["name"],
        kind=spec["kind"],
        include=spec["include"],
        exclude=spec["exclude"],
        out_crosscheck=o.crosscheck,
        out_settings=o.settings,
        java_level=spec["java_level"],
        remove_blank_lines=spec["remove_blank_lines"],
    )
