from fimrepair.steps import build_scratch_model, logged

i, o, p = snakemake.input, snakemake.output, snakemake.params
with logged(snakemake.log[0], snakemake.threads):
    build_scratch_model(
        i.train, o.model, o.loss, tokenizer_dir=i.tokenizer, spec=p.spec, sentinels=p.sentinels, seed=p.seed, token_ids=p.token_ids
    )
