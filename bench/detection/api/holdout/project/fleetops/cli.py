"""Command-line tools for the operations team: `fleetops import`, `fleetops report`, ..."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import reports
from .http_client import DispatchClient, DispatchConfig


@click.group()
@click.option("--verbose", "-v", is_flag=True, help="Print progress to stderr.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Fleet operations."""
    # ok: hallucinated-attribute -- has click.Context ensure_object
    ctx.ensure_object(dict)
    # ok: hallucinated-attribute -- manual: ctx.obj is the dict that ensure_object(dict) just created; item assignment on it
    ctx.obj["verbose"] = verbose


# ok: unknown-keyword-argument -- runs: click.option("--x", show_envvar=True, envvar="X", type=click.Choice(["a"], case_sensitive=False))(lambda x: x) ## option(*decls, **attrs) forwards to Option/Parameter
@main.command("import")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--depot", envvar="FLEETOPS_DEPOT", show_envvar=True, type=click.Choice(["north", "south"], case_sensitive=False))
@click.pass_obj
def import_cmd(obj: dict, csv_path: Path, depot: str | None) -> None:
    """Import a deliveries CSV."""
    df = reports.load_deliveries(csv_path)
    if depot:
        df = df[df["depot"] == depot]
    # ok: unknown-keyword-argument -- accepts click.echo err
    click.echo(f"{len(df)} deliveries", err=obj["verbose"])


# expect: unknown-keyword-argument -- raises TypeError: click.option("--x", choices=["a"])(lambda x: x) ## Parameter takes type=click.Choice([...])
@main.command("report")
@click.option("--format", "fmt", choices=["csv", "json"], default="csv")
@click.option("--out", type=click.File("w"), default="-")
def report_cmd(fmt: str, out) -> None:
    """Write the daily summary."""
    df = reports.daily_summary(reports.load_deliveries(Path("exports/today.csv")))
    out.write(df.to_csv(index=False) if fmt == "csv" else df.to_json(orient="records"))


# expect: unknown-keyword-argument -- raises TypeError: click.Choice(["a"], case_insensitive=True) ## the keyword is case_sensitive
@main.command("reassign")
@click.option("--depot", type=click.Choice(["north", "south"], case_insensitive=True), required=True)
@click.option("--dry-run", is_flag=True)
def reassign_cmd(depot: str, dry_run: bool) -> None:
    """Move open orders to another depot."""
    # ok: unknown-keyword-argument -- accepts click.confirm abort
    click.confirm(f"Reassign all open orders to {depot}?", abort=True)
    if dry_run:
        # ok: unknown-keyword-argument -- runs: click.secho("x", fg="yellow", bold=True) ## secho(..., **styles) forwards to style()
        click.secho("dry run: nothing changed", fg="yellow", bold=True)
        return
    # expect: unknown-keyword-argument -- raises TypeError: click.secho("x", colour="red")
    click.secho("reassigned", colour="green")


# ok: unknown-keyword-argument -- accepts click.Option.__init__ prompt && accepts click.Option.__init__ hide_input
@main.command("login")
@click.option("--api-key", prompt=True, hide_input=True, confirmation_prompt=False)
def login_cmd(api_key: str) -> None:
    """Store an API key for the dispatch API."""
    config_dir = Path(click.get_app_dir("fleetops"))
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "credentials.json").write_text(json.dumps({"api_key": api_key}))
    # ok: hallucinated-attribute -- has click style
    click.echo(click.style("saved", fg="green"))


@main.command("routes")
@click.option("--base-url", default="https://dispatch.example.com/api/")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
def routes_cmd(base_url: str, limit: int) -> None:
    """List today's routes."""
    key = json.loads((Path(click.get_app_dir("fleetops")) / "credentials.json").read_text())["api_key"]
    client = DispatchClient(DispatchConfig(base_url=base_url, api_key=key))
    # ok: unknown-keyword-argument -- accepts click.progressbar label
    with click.progressbar(client.list_drivers("north")[:limit], label="drivers") as bar:
        for driver in bar:
            click.echo(driver["id"])


@main.command("width")
def width_cmd() -> None:
    """Show the terminal width used for tables."""
    # expect: removed-api -- lacks click get_terminal_size ## removed in Click 8.1 (shutil.get_terminal_size)
    cols, _ = click.get_terminal_size()
    click.echo(str(cols))


@main.command("doctor")
@click.pass_context
def doctor_cmd(ctx: click.Context) -> None:
    """Check the installation."""
    # ok: hallucinated-attribute -- has click.Context find_root
    root = ctx.find_root()
    # ok: hallucinated-attribute -- has click.Context(click.Command("x"), info_name="x") info_name
    click.echo(f"root command: {root.info_name}")
    # expect: hallucinated-attribute -- lacks click.Context get_param
    depot = ctx.get_param("depot")
    # expect: hallucinated-attribute -- lacks click echo_err
    click.echo_err(f"depot: {depot}")
    ctx.exit(0)


@main.result_callback()
def after(result: object, verbose: bool) -> None:
    if verbose:
        click.echo("done", err=True)


def legacy_callback(group: click.Group) -> None:
    # expect: removed-api -- lacks click.Group resultcallback ## renamed result_callback, the old name was removed in Click 8.1
    group.resultcallback()(lambda *a, **kw: None)


def prompt_depot() -> str:
    # ok: unknown-keyword-argument -- accepts click.prompt default && accepts click.prompt show_choices
    return click.prompt("Depot", type=click.Choice(["north", "south"]), default="north", show_choices=True)


def prompt_count() -> int:
    # expect: unknown-keyword-argument -- rejects click.prompt min_value
    return click.prompt("How many", type=int, min_value=1)


def fail(message: str) -> None:
    # ok: hallucinated-attribute -- has click ClickException
    raise click.ClickException(message)


def fail_usage(message: str) -> None:
    # expect: hallucinated-attribute -- lacks click CommandError
    raise click.CommandError(message)


def run_tests_in_process() -> str:
    from click.testing import CliRunner

    # expect: removed-api -- raises TypeError: click.testing.CliRunner(mix_stderr=False) ## removed in Click 8.2
    runner = CliRunner(mix_stderr=False)
    result = runner.invoke(main, ["doctor"])
    # ok: hallucinated-attribute -- has click.testing.Result output
    return result.output


if __name__ == "__main__":
    sys.exit(main())
