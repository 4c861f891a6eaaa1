from integrations.cli.main import run

run()
