# Two commands do all the set-up:  `make study` (the default study) and `make test`.
# Override on the command line, e.g.  make study CORES=8
#   TORCH_SPEC   the torch to install first (a CUDA box gets PyPI's CUDA build of the same version)
#   PYTHON       the interpreter for the virtual environments (3.11 or 3.12)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
DGL_VENV ?= .venv-dgl
TORCH_SPEC ?= torch==2.13.0
CORES ?= all
BIN := $(VENV)/bin
PIP := python -m pip install --quiet --disable-pip-version-check --no-cache-dir

.PHONY: study study-seed001 study-seed002 study-seed003 study-seed004 validate-lundnet test test-main test-dgl install dgl-env slurm-deps clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP) $(TORCH_SPEC)
	$(BIN)/$(PIP) -e ".[test,cluster]"
	touch $@

# The optional DGL backend's own environment (torch 2.2.1, dgl 2.1.0, numpy<2; pins in pyproject's
# `dgl` extra). PyPI's torch 2.2.1 for Linux is a CUDA build: about 6 GB on disk. pip keeps no
# cache of the downloads (--no-cache-dir), which would double that.
dgl-env: $(DGL_VENV)/.installed

$(DGL_VENV)/.installed: pyproject.toml
	rm -rf $(DGL_VENV)  # a half-built environment (a full disk, say) is started again
	$(PYTHON) -m venv $(DGL_VENV)
	$(DGL_VENV)/bin/$(PIP) -e ".[test,dgl]"
	$(DGL_VENV)/bin/$(PIP) --no-deps torchdata==0.7.1
	touch $@

study: install
	$(BIN)/snakemake --cores $(CORES) --configfile config/config.yaml

# Seeds 001 to 004 in miniature (config/seed00N_paper.yaml: the papers' scale, for a cluster).
study-seed001: install
	$(BIN)/snakemake --cores $(CORES) --configfile config/seed001.yaml

study-seed002: install
	$(BIN)/snakemake --cores $(CORES) --configfile config/seed002.yaml

study-seed003: install
	$(BIN)/snakemake --cores $(CORES) --configfile config/seed003.yaml

study-seed004: install
	$(BIN)/snakemake --cores $(CORES) --configfile config/seed004.yaml

# The published LundNet taggers on our jets in the public LundNet data's conditions: needs their
# state dicts (fdreyer/LundNet's models/ folder, as cloned, or the files flat in one folder).
PUBLISHED_WEIGHTS ?= published_weights
validate-lundnet: install
	$(BIN)/snakemake --cores $(CORES) --configfile config/validation/lundnet_public.yaml \
	    --config published_weights_dir=$(PUBLISHED_WEIGHTS)

# Everything, in both environments: the main suite, then the DGL equality tests.
test: test-main test-dgl

test-main: install slurm-deps
	$(BIN)/python -m pytest -ra

# The SLURM test starts a one-node cluster on localhost: Debian's daemons and munge, without the
# slurm-wlm metapackage's many plugins. As root with apt-get they are installed here; elsewhere
# the test says why it is skipped.
SLURM_PACKAGES := slurmctld slurmd slurm-client munge
slurm-deps:
	@if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
	    && command -v munged >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing $(SLURM_PACKAGES) for the SLURM test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(SLURM_PACKAGES) >/dev/null; \
	else echo "not root or no apt-get: $(SLURM_PACKAGES) not installed, the SLURM test will be skipped"; fi

# The DGL environment takes about 6 GB, and pip needs room for its 3 GB of downloads besides: on a
# disk with less free than DGL_DISK_GB, the DGL equality tests are skipped and say so.
DGL_DISK_GB ?= 10
test-dgl:
	@free_gb=$$(df -Pk . $${TMPDIR:-/tmp} | awk 'NR > 1 {print int($$4 / 1048576)}' | sort -n | head -1); \
	if [ ! -f $(DGL_VENV)/.installed ] && [ "$$free_gb" -lt $(DGL_DISK_GB) ]; then \
	  echo "SKIPPED tests/dgl: building $(DGL_VENV) needs about $(DGL_DISK_GB) GB free, this disk has $$free_gb GB" \
	       "(make test-dgl DGL_DISK_GB=N to try with less)"; \
	else $(MAKE) --no-print-directory dgl-env && $(DGL_VENV)/bin/python -m pytest -ra tests/dgl; fi

clean:
	rm -rf results logs .snakemake
