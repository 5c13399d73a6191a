"""Files attached to an order's conversation: a photo of the damage for a warranty claim, a police report for a
stolen phone.

An attachment is an image (PNG, JPEG, GIF, WebP) or a PDF of at most 10 MB, its type told by its content (the name
and the browser's word are not trusted). The bytes are kept in an attachment store outside the web root — a folder
by default (`ATTACHMENTS_DIR`); anything with `put`, `get` and `delete` can stand in for it (an object store) —
and the database keeps what they are. They are served only to people who may see the order (app.web.orders).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask import current_app

from app import clock, file_types
from app.database import DbSession
from app.models import OrderAttachment, OrderEvent, User

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 3  # on one entry
ACCEPTED = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
ACCEPTED_WORDS = "a photo (PNG, JPEG, GIF or WebP) or a PDF"
KEY = re.compile(r"^[0-9a-f]{32}$")


class AttachmentRefused(ValueError):
    """A file that is not attached; the message says why, naming the file."""


class Store(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class FolderStore:
    """Attachments as files in a folder, two levels deep by the key's first characters."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not KEY.match(key):
            raise ValueError(f"Not an attachment key: {key!r}")
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        with open(partial, "wb", opener=lambda name, flags: os.open(name, flags, 0o600)) as out:
            out.write(data)
        os.replace(partial, path)  # whole or not at all

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def store() -> Store:
    """The application's attachment store (configured by ATTACHMENTS_DIR)."""
    found = current_app.extensions.get("attachment_store")
    if found is None:
        found = FolderStore(Path(current_app.config["ATTACHMENTS_DIR"]))
        current_app.extensions["attachment_store"] = found
    return found


@dataclass(frozen=True)
class Upload:
    """A file as it came in: the name the person's computer gave it, and its bytes."""

    filename: str
    data: bytes


def clean_name(filename: str) -> str:
    """A file name fit to show and to offer for download: its last part, printable, at most 200 characters."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".") or "attachment"
    return name[-200:]


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def check(upload: Upload) -> str:
    """The content type of an acceptable upload, or AttachmentRefused saying what is wrong with it."""
    name = clean_name(upload.filename)
    if not upload.data:
        raise AttachmentRefused(f"{name} is empty.")
    if len(upload.data) > MAX_BYTES:
        raise AttachmentRefused(
            f"{name} is {megabytes(len(upload.data))}: attach files of {MAX_BYTES // (1024 * 1024)} MB or less."
        )
    content_type = file_types.sniff(upload.data)
    if content_type not in ACCEPTED:
        raise AttachmentRefused(f"{name} is not {ACCEPTED_WORDS} (told by what is in it, not by its name).")
    return content_type


def check_all(uploads: list[Upload]) -> list[str]:
    """What is wrong with these uploads, one sentence per file ([] when all may be attached)."""
    problems: list[str] = []
    if len(uploads) > MAX_FILES:
        problems.append(f"Attach at most {MAX_FILES} files to one message ({len(uploads)} chosen).")
    for upload in uploads:
        try:
            check(upload)
        except AttachmentRefused as refused:
            problems.append(str(refused))
    return problems


def attach(session: DbSession, event: OrderEvent, uploads: list[Upload], person: User) -> list[OrderAttachment]:
    """Store the uploads and attach them to a conversation entry (the caller commits; if it rolls back instead,
    `forget` the attachments returned). Raises AttachmentRefused before storing anything."""
    problems = check_all(uploads)
    if problems:
        raise AttachmentRefused(" ".join(problems))
    made: list[OrderAttachment] = []
    for upload in uploads:
        key = uuid.uuid4().hex
        store().put(key, upload.data)
        attachment = OrderAttachment(
            order_id=event.order_id if event.order_id else event.order.id,
            event=event,
            filename=clean_name(upload.filename),
            content_type=check(upload),
            size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(),
            storage_key=key,
            uploaded_at=clock.now(),
            uploaded_by=person,
        )
        session.add(attachment)
        made.append(attachment)
    return made


def forget(attachments: list[OrderAttachment]) -> None:
    """Delete the stored bytes of attachments whose entry was never saved."""
    for attachment in attachments:
        store().delete(attachment.storage_key)


def read(attachment: OrderAttachment) -> bytes:
    return store().get(attachment.storage_key)


def describe(attachment: OrderAttachment) -> str:
    """ "damage.jpg (JPEG, 2.1 MB)"."""
    return f"{attachment.filename} ({file_types.name_of(attachment.content_type)}, {megabytes(attachment.size)})"
