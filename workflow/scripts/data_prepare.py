from fimrepair.stages.common import logged
from fimrepair.stages.data import data_prepare

i, o, p = snakemake.input, snakemake.output, snakemake.params
with logged(snakemake.log[0]):
    data_prepare(
        o.train,
        o.test,
        o.funnel,
        dataset=p.dataset,
        source=p.source,
        test_size=p.test_size,
        seed=p.seed,
        hub_id=p.hub_id,
        revision=p.revision,
        path=str(i.rows) if i.get("rows") else None,
        bugs_jsonl=list(i.bugs),
        out_contaminated=o.contaminated,
        remove_blank_lines=p.remove_blank_lines,
        decontamination=dict(p.decontamination),
    )
