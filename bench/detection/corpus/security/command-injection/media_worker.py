"""Celery tasks that post-process user uploads (thumbnails, transcoding, metadata)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from os import system
from pathlib import Path

from celery import shared_task

log = logging.getLogger(__name__)

MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "/srv/media"))
PRESETS = {"720p": "scale=-2:720", "480p": "scale=-2:480", "thumb": "scale=320:-1"}


def _ffmpeg_cmd(src: str, dst: str, vf: str) -> str:
    """Compose an ffmpeg command line."""
    # expect: command-injection @ff
    return f"ffmpeg -y -i {src} -vf {vf} {dst}"


@shared_task
def make_thumbnail(upload_name: str) -> str:
    """Create a JPEG thumbnail next to the uploaded image."""
    src = MEDIA_ROOT / "uploads" / upload_name
    dst = src.with_suffix(".thumb.jpg")
    # expect: command-injection
    os.system(f"convert '{src}' -thumbnail 320x320 '{dst}'")
    return str(dst)


@shared_task
def transcode(upload_name: str, preset: str) -> str:
    """Transcode a video to one of the configured presets."""
    vf = PRESETS.get(preset, PRESETS["720p"])
    src = MEDIA_ROOT / "uploads" / upload_name
    dst = MEDIA_ROOT / "renditions" / f"{src.stem}-{preset}.mp4"
    # expect: command-injection @ff
    exit_code = system(_ffmpeg_cmd(str(src), str(dst), vf))
    if exit_code != 0:
        log.error("ffmpeg failed for %s (exit %s)", upload_name, exit_code)
    return str(dst)


@shared_task
def transcode_safe(upload_name: str, preset: str) -> str:
    """Transcode with an argument vector instead of a shell string."""
    vf = PRESETS.get(preset, PRESETS["720p"])
    src = MEDIA_ROOT / "uploads" / Path(upload_name).name
    dst = MEDIA_ROOT / "renditions" / f"{src.stem}-{preset}.mp4"
    # ok: command-injection -- argv list, no shell
    subprocess.run(["ffmpeg", "-y", "-i", str(src), "-vf", vf, str(dst)], check=True, timeout=600)
    return str(dst)


@shared_task
def probe(upload_name: str) -> dict:
    """Read container metadata with ffprobe."""
    path = MEDIA_ROOT / "uploads" / upload_name
    # expect: command-injection
    stream = os.popen("ffprobe -v quiet -print_format json -show_format " + str(path))
    try:
        return json.loads(stream.read())
    finally:
        stream.close()


@shared_task
def strip_metadata(upload_names: list[str]) -> int:
    """Remove EXIF data from a batch of images."""
    done = 0
    for name in upload_names:
        target = MEDIA_ROOT / "uploads" / name
        # expect: command-injection
        rc = subprocess.call("exiftool -overwrite_original -all= %s" % target, shell=True)
        done += rc == 0
    return done


@shared_task
def cleanup_tmp() -> None:
    """Delete stale partial uploads (runs hourly)."""
    # ok: command-injection -- fixed command, no interpolated data
    os.system("find /srv/media/tmp -type f -mmin +120 -delete")
