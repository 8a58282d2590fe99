from pointexit.cli import run

run()
