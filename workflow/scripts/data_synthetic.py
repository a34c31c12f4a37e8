from fimrepair.steps import data_synthetic, logged

with logged(snakemake.log[0]):
    data_synthetic(
        snakemake.output[0], snakemake.params.n_rows, snakemake.params.seed, snakemake.params.generated_share
    )
