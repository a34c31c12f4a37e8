from fimrepair.steps import logged, make_training_pairs

i, o = snakemake.input, snakemake.output
with logged(snakemake.log[0]):
    make_training_pairs(i.train, i.test, i.recipe, o.train, o.eval, model_dir=i.model, out_funnel=o.funnel)
