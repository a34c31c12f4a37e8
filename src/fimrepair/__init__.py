"""fimrepair: fill-in-the-middle aligned fine-tuning for automated program repair of Java bugs.

The package holds the logic of the paper pipeline; the Snakemake workflow in ``workflow/``
calls thin entry points in :mod:`fimrepair.steps`.
"""

__version__ = "0.1.0"
