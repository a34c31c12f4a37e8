from pathlib import Path

from fimrepair.steps import build_paper, logged

with logged(snakemake.log.python):
    build_paper(snakemake.input.tex, Path(snakemake.input.numbers).parent, snakemake.output[0], snakemake.log.latexmk)
