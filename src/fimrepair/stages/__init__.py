"""Entry points of the workflow's rules, one module per rule file: ``workflow/rules/<stage>.smk``
runs ``workflow/scripts/<rule>.py``, which unpacks Snakemake's object and calls
``fimrepair.stages.<stage>.<rule>``. Each entry point reads its inputs, calls the pure logic of
the domain modules, and writes its outputs: explicit inputs, parameters and outputs, no globals.
"""
