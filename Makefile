VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GAP := ../shared/data/gap

.PHONY: demo test bench openapi clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/matcher demo scenarios/youth-mentors.json

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m bench.peers
	$(PY) -m bench.scoring --sizes 2000x500 10000x2000
	$(PY) -m bench.assignment --sizes 2000x500 --time-limit 2
	$(PY) -m bench.calendar
	$(PY) -m bench.gap $(GAP)/c10400 $(GAP)/d10400 --time-limit 10

openapi: $(STAMP)
	$(PY) -m api.spec > docs/openapi.json

clean:
	rm -rf $(VENV)
