"""fimrepair: fill-in-the-middle aligned fine-tuning for automated program repair of Java bugs.

The package holds the logic of the paper pipeline; the Snakemake workflow in ``workflow/``
calls thin entry points in :mod:`fimrepair.stages`.

Modules are layered, bottom first: foundation helpers (``io``, ``compute``, ``fim``, ``javasrc``
...), records (benchmarks, data, synthetic rows, prompts, tokens), configuration (``config``,
``recipe``), the domain (training, generation, validation, analysis, paper), and the entry
points on top (the stage functions, ``cli``). A module imports only from its own layer or
below, never in a cycle; ``tests/test_import_graph.py`` holds the layers and checks both.
"""

__version__ = "0.1.0"
