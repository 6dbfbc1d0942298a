# Shorthands for dev.py (which also works on Windows: py dev.py run / py dev.py test).
.PHONY: run test bench geodata
run:
	python3 dev.py run
test:
	python3 dev.py test
bench:
	python3 dev.py bench
geodata:
	.venv/bin/pip install -q -r geodata/requirements-build.txt && .venv/bin/python geodata/build.py
