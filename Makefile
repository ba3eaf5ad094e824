VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GAP := ../shared/data/gap
GAP_REPORT := c05100 c10100 c20100 c05200 c10200 c20200 c10400 c20400 c40400 c15900 c30900 c60900 \
	d05100 d10100 d20100 d05200 d10200 d20200 d10400 d20400 d40400 d15900 d30900 d60900
# `make bench-full` passes --full to the harnesses that take it
FULL :=

.PHONY: demo test bench bench-full openapi clean

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
	$(PY) -m bench.peers $(FULL)
	$(PY) -m bench.scoring --sizes 2000x500 10000x2000
	$(PY) -m bench.assignment --sizes 2000x500 --time-limit 2
	$(PY) -m bench.time_limits --size M --seeds 1 2 3 4 --time-limits 2 5 7 10 --write-docs
	$(PY) -m bench.calendar
	$(PY) -m bench.calendar_peers --write-docs
	$(PY) -m bench.proposals --sizes 2000x500 $(if $(FULL),10000x2000) --seeds 1 2 3 --write-docs
	$(PY) -m bench.proposals --sizes 60x20 120x35 200x60 --seeds 1 2 --programmes youth-mentors recovery-mentors \
		job-mentors patient-peers --write-docs --section proposals-small --title "Programmes of 60 to 260 people"
	$(PY) -m bench.gap $(GAP)/c10400 $(GAP)/d10400 --time-limit 10
	$(PY) -m bench.gap_peers $(addprefix $(GAP)/,$(GAP_REPORT)) --time-limit 10 --write-docs
	rm -rf .bench-gap && $(PY) -m bench.gap_generate --types c d e --sizes 20x1600 40x800 80x1600 --seed 1 \
		--out .bench-gap && $(PY) -m bench.gap_peers .bench-gap/* --time-limit 10 --write-docs \
		--section gap-generated --title "Seeded C, D and E instances (no best-known cost)"
	$(PY) -m bench.scaling $(FULL)

bench-full:
	$(MAKE) bench FULL=--full

openapi: $(STAMP)
	$(PY) -m api.spec > docs/openapi.json

clean:
	rm -rf $(VENV)
