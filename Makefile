# The two commands of the README: `make demo` and `make test`. Both build .venv from scratch.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(abspath $(VENV))/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test install clean-demo gpu-check ablation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e ".[test,torchvision]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

# Runs the whole pipeline on the built-in synthetic world; a second run skips what is unchanged.
demo: $(VENV)/.installed
	PATH="$(BIN):$$PATH" dvc repro
	@echo "--- written:"
	@PATH="$(BIN):$$PATH" sgmatch summary
	@echo "--- the ablation (test split of the synthetic world):"
	@PATH="$(BIN):$$PATH" sgmatch compare metrics/evaluate/details/vsepp.json metrics/evaluate/details/fusion.json \
		metrics/evaluate/details/fusion_no_generated.json metrics/evaluate/details/fusion_no_phrase.json

# Every loss against one base, over seeds, on the harder world (params.yaml's ablation section), under
# ablation/: resumes where it stopped and skips what is done. ABLATION_ARGS: e.g. --seeds 0 1 --epochs 4.
ablation: $(VENV)/.installed
	PATH="$(BIN):$$PATH" sgmatch ablation $(ABLATION_ARGS)

test: $(VENV)/.installed-test
	PATH="$(BIN):$$PATH" $(BIN)/python -m pytest

# On a machine with a GPU: the matchers' benchmark and a short demo training + evaluation on CUDA, with
# the figures (stops at once, saying why, where there is no CUDA device).
gpu-check: $(VENV)/.installed-test
	PATH="$(BIN):$$PATH" $(BIN)/python -m benchmarks.gpu_check

clean-demo:
	rm -rf data/captions data/images data/world_images metrics models checkpoints plots dvclive
