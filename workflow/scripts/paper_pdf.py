from pathlib import Path

from fimrepair.stages.common import logged
from fimrepair.stages.paper import paper_pdf

with logged(snakemake.log.python):
    paper_pdf(snakemake.input.tex, Path(snakemake.input.numbers).parent, snakemake.output[0], snakemake.log.latexmk)
