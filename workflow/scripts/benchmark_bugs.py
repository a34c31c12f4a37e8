from fimrepair.steps import extract_benchmark, logged

o, p = snakemake.output, snakemake.params
with logged(snakemake.log[0]):
    extract_benchmark(
        snakemake.input.root,
        o.bugs,
        name=p.name,
        include=p.include,
        exclude=p.exclude,
        out_crosscheck=o.crosscheck,
        remove_blank_lines=p.remove_blank_lines,
    )
