"""What an uploaded file is, told by its first bytes: the file name and the browser's word are not trusted.

SVG and HTML are never accepted: they can carry scripts, and they would be served from the portal's own origin."""

from __future__ import annotations

# (signature at the start of the file, the content type, its name for people)
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"GIF87a", "image/gif", "GIF"),
    (b"GIF89a", "image/gif", "GIF"),
    (b"%PDF-", "application/pdf", "PDF"),
)
NAMES = {content_type: name for _, content_type, name in SIGNATURES} | {"image/webp": "WebP"}


def sniff(data: bytes) -> str | None:
    """The content type of `data` among those above (and WebP), or None."""
    for signature, content_type, _ in SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def name_of(content_type: str) -> str:
    return NAMES.get(content_type, content_type)
