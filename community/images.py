"""Photos people upload: checked by content (Pillow), limited, re-encoded, stripped of EXIF.

A photo of a stairwell must not publish a resident's GPS position: the output is a new
image built from the pixels only, so no EXIF, XMP, ICC comment or text chunk survives.
"""

from __future__ import annotations

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024  # what a phone photo weighs at most
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
# JPEG is decoded straight at a reduced scale (draft: 1/2, 1/4, 1/8), so a 40-megapixel phone
# photo costs a few megapixels of memory; other formats decode whole, so they are capped lower.
MAX_PIXELS_FULL_DECODE = 16_000_000
MAX_SIDE = 2048  # stored images are scaled down to this
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def clean_image(
    upload,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pixels: int = MAX_PIXELS,
    max_side: int = MAX_SIDE,
) -> tuple[ContentFile, int, int]:
    """Check an uploaded file is a real image; return (re-encoded file, width, height).

    Raises ValidationError (a Chinese message) for a non-image, a too-large file or
    too many pixels. The name of the upload is ignored; the format is read from the content.
    """
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > max_bytes:
        raise ValidationError(
            _("图片太大（%(mb).1f MB），请上传 %(max)d MB 以内的图片。")
            % {"mb": size / 1024 / 1024, "max": max_bytes // 1024 // 1024}
        )
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            if fmt not in ALLOWED_FORMATS:
                raise ValidationError(_("只支持 JPEG、PNG、WebP 或 GIF 图片。"))
            pixels = probe.width * probe.height
            if pixels > max_pixels or (
                fmt != "JPEG" and pixels > min(max_pixels, MAX_PIXELS_FULL_DECODE)
            ):
                raise ValidationError(_("图片像素过多，请缩小后再上传。"))
            probe.verify()  # structural check; the object is unusable afterwards
            im = Image.open(io.BytesIO(data))
            if fmt == "JPEG":
                im.draft("RGB", (max_side, max_side))  # decode at the smallest scale ≥ max_side
            im.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        raise ValidationError(_("这个文件不是有效的图片。")) from None
    # Apply the camera's orientation before the EXIF that carries it is dropped.
    im = ImageOps.exif_transpose(im)
    if getattr(im, "is_animated", False):
        im.seek(0)
    has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
    im = im.convert("RGBA" if has_alpha else "RGB")
    im.thumbnail((max_side, max_side))
    # A fresh image from the pixels alone: no info dict, no EXIF, no XMP, no text chunks.
    clean = Image.frombytes(im.mode, im.size, im.tobytes())
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        ext = "png"
    else:
        clean.save(out, format="JPEG", quality=85, optimize=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}"), clean.width, clean.height


def clean_images(uploads) -> list:
    """`clean_image` for each upload; the first refusal names its file (error key "images")."""
    cleaned = []
    for upload in uploads:
        try:
            cleaned.append(clean_image(upload))
        except ValidationError as exc:
            name = getattr(upload, "name", "")
            raise ValidationError({"images": [f"{name}:{m}" for m in exc.messages]}) from None
    return cleaned
