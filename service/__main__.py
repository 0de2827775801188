"""`python -m service …`: the Flask CLI with the service's own commands (keys, db)."""

from flask.cli import FlaskGroup

from service import create_app

cli = FlaskGroup(create_app=create_app, help="Benefits verification service.")

if __name__ == "__main__":
    cli(prog_name="python -m service")
