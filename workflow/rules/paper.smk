# Stage 9, paper: paper/main.tex with the generated figures, tables and numbers, built by
# latexmk when TeX is installed; otherwise a note says clearly that the build was skipped.


rule paper_pdf:
    input:
        tex=["paper/main.tex", "paper/refs.bib"],
        numbers=rules.analysis.output.numbers,
        generated=rules.analysis.output,
        benchmarks=rules.paper_benchmarks.output,
        published=rules.published_analysis.output.tex,
    output:
        "results/paper/main.pdf",
    log:
        python="logs/paper/paper.log",
        latexmk="logs/paper/latexmk.log",
    conda:
        "../../envs/paper.yaml"
    script:
        "../scripts/paper_pdf.py"


rule paper_skipped:
    input:
        generated=rules.analysis.output,
        benchmarks=rules.paper_benchmarks.output,
        published=rules.published_analysis.output.tex,
    output:
        "results/paper/SKIPPED.txt",
    log:
        "logs/paper/skipped.log",
    conda:
        "../../envs/paper.yaml"
    script:
        "../scripts/paper_skipped.py"
