from pathlib import Path

from fimrepair.stages.common import logged
from fimrepair.stages.representations import training_pairs
from fimrepair.tokenizer import ModelFacts

i, o, p = snakemake.input, snakemake.output, snakemake.params
facts = ModelFacts.load(i.facts)
with logged(snakemake.log[0]):
    training_pairs(
        i.train,
        i.test,
        p.representations,
        [Path(f).parent for f in o.train],
        sentinels=facts.sentinels,
        token_ids=facts.token_ids,
        model_dir=i.model,
        out_matched=o.matched,
    )
