# The two commands of the README's quickstart, and what they need.
#   make tiny   set up (system packages when root, a virtualenv, the package) and run the
#               whole study on the tiny configuration: tables, figures and the PDF
#   make test   the test suite (includes a real end-to-end run of the tiny configuration)
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
CORES ?= 2
# The CPU build of torch; pass TORCH_SPEC / PIP_TORCH_ARGS to choose another build, e.g.
#   make setup PIP_TORCH_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC ?= torch==2.13.0
PIP_TORCH_ARGS ?=
# Java 17 + JUnit 4 stack for validation (notes: STRING_TO_MD5 needs JAXB, DO_ALGEBRA Rhino),
# bubblewrap (the validation sandbox; util-linux gives prlimit), TeX for the paper.
SYSTEM_PACKAGES ?= openjdk-17-jdk-headless junit4 libhamcrest-java libjaxb-api-java librhino-java bubblewrap \
	latexmk texlive-latex-base texlive-latex-recommended texlive-fonts-recommended lmodern

.PHONY: setup system tiny test lint style bench mutants gpu-check clean

setup: system $(VENV)/.installed

# Debian/Ubuntu as root: install what is missing. Elsewhere: say what is needed.
system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "note: not root or no apt-get; please install:$$missing (Java 17 + JUnit 4 for validation, bubblewrap for its sandbox, TeX for the PDF)"; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q $(PIP_TORCH_ARGS) "$(TORCH_SPEC)"
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

tiny: setup
	OMP_NUM_THREADS=1 $(VENV)/bin/snakemake --cores $(CORES) --configfile config.tiny.yaml
	@echo "done: results/analysis/summary.tsv, results/paper/ (figures, tables, main.pdf)"

test: setup
	OMP_NUM_THREADS=1 $(VENV)/bin/python -m pytest

# Style is enforced by tools (configured in pyproject.toml): the formatters' checks, the
# linter, and snakemake --lint on the paper and the tiny configuration. `make style` rewrites.
lint: setup
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/snakefmt --check Snakefile workflow/rules
	$(VENV)/bin/snakemake --lint
	$(VENV)/bin/snakemake --lint --configfile config.tiny.yaml

style: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/snakefmt Snakefile workflow/rules

# Performance targets: each script prints a ratio/figure against a baseline measured in the same run.
bench: setup
	OMP_NUM_THREADS=1 $(VENV)/bin/python bench/validate_throughput.py
	OMP_NUM_THREADS=1 $(VENV)/bin/python bench/data_scale.py
	OMP_NUM_THREADS=1 $(VENV)/bin/python bench/generate_batching.py

# On one GPU node, before spending GPU hours (offline, < 10 minutes; needs the GPU extra:
# pip install -e '.[gpu]'). Last line: one JSON object; exits non-zero without a usable GPU.
gpu-check:
	$(VENV)/bin/python bench/gpu_check.py

# Mutation check: each edit that would break a claim of the paper must fail a fast test. Applies
# every mutant to a scratch copy (never this tree); the last line is one JSON object.
mutants: setup
	OMP_NUM_THREADS=1 $(VENV)/bin/python bench/mutants.py

clean:
	rm -rf results logs benchmarks resources .snakemake
