"""The `acme` command-line tool."""
from __future__ import annotations

import collections
import collections.abc
import subprocess
from pathlib import Path

import click
# expect: version-mismatch -- uv.lock pins semver 3.0.2
import semver
# expect: undeclared-dependency -- PyYAML is not declared
import yaml
from rich.console import Console
from rich.table import Table

console = Console()


@click.group()
def cli() -> None:
    """Acme orders."""


@cli.command()
@click.argument("config", type=click.Path(exists=True))
def show(config: str) -> None:
    # expect: hallucinated-attribute
    data = yaml.safe_loads(Path(config).read_text())
    # ok: hallucinated-attribute
    data = yaml.safe_load(Path(config).read_text())
    table = Table(title="config")
    # ok: unknown-keyword-argument
    table.add_column("key", style="bold")
    # expect: unknown-keyword-argument
    table.add_column("value", colour="green")
    for key, value in data.items():
        table.add_row(str(key), str(value))
    console.print(table)
    # expect: hallucinated-attribute
    console.print_success("done")


@cli.command()
@click.argument("version")
def bump(version: str) -> None:
    # ok: hallucinated-attribute
    parsed = semver.Version.parse(version)
    # expect: hallucinated-attribute
    click.echo(str(parsed.bump_majr()))
    # ok: hallucinated-attribute
    click.echo(str(parsed.bump_minor()))


@cli.command()
def deploy() -> None:
    # expect: unknown-keyword-argument
    subprocess.run(["make", "deploy"], chek=True)
    # ok: unknown-keyword-argument
    subprocess.run(["make", "deploy"], check=True, cwd=Path.cwd())
    # expect: hallucinated-attribute
    root = Path.cwd().parentdir
    # ok: hallucinated-attribute
    root = Path.cwd().parent
    click.echo(root)


def is_mapping(value: object) -> bool:
    # expect: removed-api -- collections.Mapping was removed in Python 3.10
    if isinstance(value, collections.Mapping):
        return True
    # ok: removed-api
    return isinstance(value, collections.abc.Mapping)
