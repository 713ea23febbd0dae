# The two commands: `make demo` and `make test`. Both bootstrap what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# Tests, the demo and the benchmarks: DDS on this machine only (scripts/test_env.sh).
RUN := source scripts/test_env.sh &&

.PHONY: help bootstrap build test demo bench clean

help:
	@echo "make demo   bootstrap, then run the end-to-end demo and say where its results are"
	@echo "make test   bootstrap, then run the whole test suite"
	@echo "make bench  bootstrap, then run the benchmarks in bench/"
	@echo "make clean  remove the built workspace (.ws) and demo output (keeps .venv)"

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap

test: bootstrap
	@$(RUN) python -m pytest test

demo: bootstrap
	@$(RUN) scripts/demo.sh

bench: bootstrap
	@$(RUN) scripts/bench.sh

clean:
	rm -rf .ws out
