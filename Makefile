# Two commands do all the set-up:  `make study` (the default study) and `make test`.
# Override on the command line, e.g.  make study CORES=8
#   TORCH_SPEC   the torch to install first (a CUDA box gets PyPI's CUDA build of the same version)
#   PYTHON       the interpreter for the virtual environment (3.11 or 3.12)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
CORES ?= all
BIN := $(VENV)/bin

.PHONY: study test install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(TORCH_SPEC)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

study: install
	$(BIN)/snakemake --cores $(CORES) --configfile config/config.yaml

test: install
	$(BIN)/python -m pytest -ra

clean:
	rm -rf results logs .snakemake
