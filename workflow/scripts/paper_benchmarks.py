from fimrepair.stages.analysis import paper_benchmarks
from fimrepair.stages.common import logged

i = snakemake.input
with logged(snakemake.log[0]):
    paper_benchmarks(i.settings, i.tables, i.figures, snakemake.output[0])
