from pathlib import Path

message = (
    "The paper PDF was NOT built: latexmk is not on PATH (TeX is not installed).\n"
    "Its inputs are ready in results/paper/generated/. Install TeX Live (latexmk,\n"
    "texlive-latex-recommended) and run the workflow again to build results/paper/main.pdf.\n"
)
Path(snakemake.output[0]).write_text(message)
Path(snakemake.log[0]).write_text(message)
print(message)
