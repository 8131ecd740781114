# The two commands a newcomer needs; both install into .venv/ in this checkout first.
.PHONY: run test setup

run:
	scripts/setup.sh requirements.txt
	.venv/bin/python -m inbox.serve

test:
	scripts/test.sh

setup:
	scripts/setup.sh requirements-test.txt
