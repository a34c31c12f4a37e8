from fimrepair.steps import logged, make_synthetic_data

with logged(snakemake.log[0]):
    make_synthetic_data(snakemake.output[0], snakemake.params.n_rows, snakemake.params.seed, snakemake.params.generated_share)
