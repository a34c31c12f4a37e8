from fimrepair.steps import finetune, logged

i, o = snakemake.input, snakemake.output
with logged(snakemake.log[0], snakemake.threads):
    finetune(i.model, i.recipe, i.train, i.eval, o.adapter.rsplit("/", 1)[0], o.loss, o.counts)
