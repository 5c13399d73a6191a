"""Static files on the wire: WhiteNoise serves them under content-hashed names (`app.css` → `app.3f9c0a1b2c4d.css`),
pre-compressed with Brotli and gzip, cached by browsers for a year as immutable; `url_for('static', ...)` names the
hashed file. HTML responses over 1 KB are compressed by Flask-Compress.

The hashed and compressed copies are built once per content: in `STATIC_BUILD_DIR` (default `instance/static`),
under a folder named by the digest of every file, so a changed file makes a new folder and a restart with the same
files builds nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from wsgiref.headers import Headers

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from app.extensions import compress

YEAR = 365 * 24 * 3600
HASHED = re.compile(r"\.[0-9a-f]{12}(\.[^./]+)?$")
COMPLETE = ".complete"


def hashed_name(name: str, digest: str) -> str:
    """'css/app.css' with digest '3f9c0a1b2c4d' → 'css/app.3f9c0a1b2c4d.css'."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{name}.{digest}"


def build(source: Path, target_root: Path) -> tuple[Path, dict[str, str]]:
    """The folder of hashed, compressed copies of `source` (built when missing), and the name → hashed name map."""
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix not in (".gz", ".br"))
    digests = {p.relative_to(source).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:12] for p in files}
    manifest = {name: hashed_name(name, digest) for name, digest in digests.items()}
    folder = target_root / hashlib.sha256(repr(sorted(digests.items())).encode()).hexdigest()[:16]
    if not (folder / COMPLETE).exists():
        building = target_root / f"{folder.name}.building-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        compressor = Compressor(quiet=True)
        for name, hashed in manifest.items():
            copy = building / hashed
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, copy)
            if compressor.should_compress(copy.name):
                compressor.compress(str(copy))
        (building / COMPLETE).touch()
        try:
            building.rename(folder)
        except OSError:  # another process built it meanwhile: theirs serves as well
            shutil.rmtree(building, ignore_errors=True)
    return folder, manifest


def register_assets(app: Flask, headers: dict[str, str]) -> None:
    """Serve the static files hashed and compressed (with `headers` on each), and compress HTML responses."""
    target_root = Path(app.config.get("STATIC_BUILD_DIR") or Path(app.instance_path) / "static")
    assert app.static_folder is not None
    folder, manifest = build(Path(app.static_folder), target_root)

    def add_headers(response_headers: Headers, path: str, url: str) -> None:
        for name, value in headers.items():
            response_headers[name] = value

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(folder),
        prefix="static/",
        max_age=YEAR,
        immutable_file_test=lambda path, url: bool(HASHED.search(url)),
        add_headers_function=add_headers,
    )

    @app.url_defaults
    def hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.get(values["filename"], values["filename"])

    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)  # CSV exports stream as they are written
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "application/json", "text/csv"])
    compress.init_app(app)
