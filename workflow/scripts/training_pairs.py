from pathlib import Path

from fimrepair.steps import logged, training_pairs

i, o = snakemake.input, snakemake.output
with logged(snakemake.log[0]):
    training_pairs(
        i.train, i.test, i.recipes, [Path(f).parent for f in o.train], model_dir=i.model, out_matched=o.matched
    )
