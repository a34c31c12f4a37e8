"""Stage 9, the paper (workflow/rules/paper.smk): the PDF built from the generated figures and tables."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("fimrepair")


def paper_pdf(
    tex_sources: Sequence[str | Path], generated_dir: str | Path, out_pdf: str | Path, log_path: str | Path
) -> None:
    """Copy ``main.tex`` and ``refs.bib`` beside the generated inputs and build the PDF."""
    from fimrepair import paper

    build_dir = Path(out_pdf).parent
    build_dir.mkdir(parents=True, exist_ok=True)
    for src in tex_sources:
        shutil.copy2(src, build_dir / Path(src).name)
    if Path(generated_dir).resolve() != (build_dir / "generated").resolve():
        raise ValueError(f"generated inputs must live in {build_dir / 'generated'}, not {generated_dir}")
    if not paper.build_pdf(build_dir, log_path, out_dir=build_dir):
        raise RuntimeError(f"latexmk is not installed; see {log_path}")


def paper_skipped(out: str | Path, log_path: str | Path) -> None:
    """The note that replaces the PDF when TeX is not installed."""
    message = (
        "The paper PDF was NOT built: latexmk is not on PATH (TeX is not installed).\n"
        "Its inputs are ready in results/paper/generated/. Install TeX Live (latexmk,\n"
        "texlive-latex-recommended) and run the workflow again to build results/paper/main.pdf.\n"
    )
    Path(out).write_text(message)
    Path(log_path).write_text(message)
    print(message)
