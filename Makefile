# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make run    install into .venv and run the bot
#   make test   install into .venv and run lint + the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MO     := locales/id/LC_MESSAGES/messages.mo locales/en/LC_MESSAGES/messages.mo

.PHONY: run test lint catalogs extract simulate bench bench-events bench-memory bench-broadcast bench-export bench-scale bench-xlsform fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile -d locales -D messages -l $*

catalogs: $(MO)

run: $(STAMP) catalogs
	$(BIN)/python -m bot

test: $(STAMP) catalogs
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-extract translatable strings after changing texts, then translate the .po files.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output \
	  --project berdaya-bot -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --omit-header

simulate: $(STAMP) catalogs
	$(BIN)/python -m bot simulate $(SURVEY)

bench: $(STAMP) catalogs
	$(BIN)/python -m bench.throughput

# Registrations for one contended event vs spread over 100; /acara and free text with 1,000 events.
bench-events: $(STAMP) catalogs
	$(BIN)/python -m bench.events

# Broadcasts against a Bot API enforcing Telegram's limits (0 and 50 ms added), the sender's
# ceiling, and the outbox for 1,000,000 subscribers (about eight minutes).
bench-broadcast: $(STAMP) catalogs
	$(BIN)/python -m bench.broadcast

# The update-path fuzz tests (surveys, events) at length (make test runs short versions).
fuzz: $(STAMP) catalogs
	FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest tests/test_fuzz.py
	FUZZ_EXAMPLES=1000 $(BIN)/python -m pytest tests/test_fuzz_events.py
	FUZZ_EXAMPLES=400 $(BIN)/python -m pytest -W ignore::hypothesis.errors.HypothesisWarning tests/test_fuzz_xlsform.py

# Peak memory with 100,000 people writing at once (about two minutes).
bench-memory: $(STAMP) catalogs
	$(BIN)/python -m bench.memory

# Export of 100,000 responses (20 questions) to XLSX and CSV beside openpyxl and csv writing the
# same rows directly: time and peak memory (about four minutes on a quiet machine).
bench-export: $(STAMP) catalogs
	$(BIN)/python -m bench.export

# Survey answers per second with 1,000,000 answers already stored vs an empty database.
bench-scale: $(STAMP) catalogs
	$(BIN)/python -m bench.answers_at_scale

# XLSForm import time of the corpus's largest files beside pyxform's own reading, and answers
# per second of the imported 200-question REACH form beside the same questions as a native
# survey (about a minute).
bench-xlsform: $(STAMP) catalogs
	$(BIN)/python -m bench.xlsform

clean:
	rm -rf $(VENV) $(MO)
