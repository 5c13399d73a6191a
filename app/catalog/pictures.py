"""Device models' pictures and key specs: what people see of a device before they order it.

A picture is an image an admin uploads (PNG, JPEG, GIF or WebP of at most 512 KB, its type told by its content:
app.file_types), kept in the database like the company logo (no web process keeps files of its own). The demo's
pictures are SVG drawings shipped with the code: trusted, so they are stored as they are (`store_picture`), while
an SVG uploaded by a person is refused (it can carry scripts). Pictures are served by app.web.admin.branding.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from app import file_types
from app.database import DbSession
from app.models import DeviceModel, StoredFile, User

PICTURE_PATH = "/catalog/pictures/{file_id}"  # its address changes with every upload: cached for good
MAX_BYTES = 512 * 1024
ACCEPTED = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
ACCEPT = ",".join(sorted(ACCEPTED))  # the file input's accept attribute
ACCEPTED_WORDS = "a PNG, JPEG, GIF or WebP image"


class PictureRefused(ValueError):
    """The upload is not a picture we will store; the message says why, for the admin who uploaded it."""


def picture_type(data: bytes) -> str:
    """The content type of an acceptable picture, or PictureRefused saying what is wrong with it."""
    if not data:
        raise PictureRefused(f"The file is empty. Choose {ACCEPTED_WORDS}.")
    if len(data) > MAX_BYTES:
        raise PictureRefused(f"The picture must be {MAX_BYTES // 1024} KB or smaller.")
    content_type = file_types.sniff(data)
    if content_type not in ACCEPTED:
        raise PictureRefused(f"This file is not {ACCEPTED_WORDS} (told by what is in it, not by its name).")
    return content_type


def set_picture(
    session: DbSession, models: list[DeviceModel], data: bytes, filename: str, uploaded_by: User | None
) -> StoredFile:
    """Make an uploaded image the picture of these models (the variants added together share one), after
    checking it; the pictures they had are deleted when nothing else shows them. The caller commits."""
    return store_picture(session, models, data, filename, picture_type(data), uploaded_by)


def store_picture(
    session: DbSession,
    models: list[DeviceModel],
    data: bytes,
    filename: str,
    content_type: str,
    uploaded_by: User | None = None,
) -> StoredFile:
    """Store a picture whose type is known (checked by `set_picture`, or the demo's own drawings)."""
    stored = StoredFile(
        filename=(filename or "picture")[-200:],
        content_type=content_type,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=uploaded_by,
    )
    session.add(stored)
    previous = {m.picture_id for m in models if m.picture_id}
    for model in models:
        model.picture = stored
    session.flush()
    _delete_unused(session, previous)
    return stored


def remove_picture(session: DbSession, model: DeviceModel) -> bool:
    """The model shows no picture any more; True when it had one."""
    previous = model.picture_id
    if previous is None:
        return False
    model.picture = None
    session.flush()
    _delete_unused(session, {previous})
    return True


def _delete_unused(session: DbSession, file_ids: set[int]) -> None:
    for file_id in file_ids:
        still_shown = session.scalar(select(func.count()).where(DeviceModel.picture_id == file_id))
        if not still_shown:
            stored = session.get(StoredFile, file_id)
            if stored is not None:
                session.delete(stored)


def picture_url(model: DeviceModel) -> str | None:
    """Where the model's picture is served (None: it has none)."""
    return PICTURE_PATH.format(file_id=model.picture_id) if model.picture_id else None


def shown_picture(session: DbSession, file_id: int) -> StoredFile | None:
    """A stored file that is some device model's picture (other stored files are not served as pictures)."""
    if session.scalar(select(DeviceModel.id).where(DeviceModel.picture_id == file_id).limit(1)) is None:
        return None
    return session.get(StoredFile, file_id)


def key_specs(model: DeviceModel) -> list[str]:
    """What sets the model apart, in a few words each: ["128 GB", "Black", "6.1-inch screen", "5G", "eSIM"]."""
    specs = [f"{model.storage_gb} GB"] if model.storage_gb else []
    if model.color:
        specs.append(model.color)
    specs += [part.strip() for part in (model.specs or "").split(",") if part.strip()]
    if model.esim:
        specs.append("eSIM")
    return specs
