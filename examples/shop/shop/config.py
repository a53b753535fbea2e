"""Configuration loading for the shop service."""
import subprocess

import yaml


def load_settings(path):
    with open(path) as handle:
        return yaml.load(handle)


def current_revision():
    output = subprocess.check_output("git rev-parse HEAD", shell=True)
    return output.decode().strip()
