from pathlib import Path

from fimrepair.stages.analysis import analysis
from fimrepair.stages.common import logged

i, o, p = snakemake.input, snakemake.output, snakemake.params
with logged(snakemake.log[0]):
    analysis(
        i.verdicts,
        i.bugs,
        i.losses,
        i.funnel,
        o.summary,
        o.pairwise,
        Path(o.numbers).parent,
        models=p.models,
        config_name=p.config_name,
        reference_plausible=p.reference_plausible,
        reference_label=p.reference_label,
        reference_bugs=p.reference_bugs,
        model_dir=i.model if Path(i.model).is_dir() else Path(i.model).parent,  # a folder, or the bundle's REVISION
        counts_files=i.counts,
        skipped_files=i.skipped,
        reference_exact=p.reference_exact,
        reference_model=p.reference_model,
        generation=p.generation,
        settings_json=i.settings,
        statistics=p.statistics,
        out_uncertainty={name: o[name] for name in ("per_bug", "at_k", "effects", "seeds")},
        seeds=p.seeds,
    )
