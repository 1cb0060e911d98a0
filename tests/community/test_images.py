"""Uploaded photos: checked by content, limited in size, re-encoded without EXIF."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community.images import clean_image

GPS_IFD = 0x8825


def photo_with_gps(fmt: str = "JPEG", size=(64, 48)) -> bytes:
    im = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (23.0, 2.0, 1.5), 3: "E", 4: (113.0, 8.0, 2.0)})
    out = io.BytesIO()
    im.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def test_exif_and_gps_are_removed_from_a_jpeg():
    raw = photo_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(GPS_IFD)  # the input does carry GPS
    result, w, h = clean_image(SimpleUploadedFile("stairs.jpg", raw, "image/jpeg"))
    data = result.read()
    out = Image.open(io.BytesIO(data))
    assert out.format == "JPEG" and (w, h) == (64, 48)
    assert len(out.getexif()) == 0
    assert "exif" not in out.info
    assert b"PhoneMaker" not in data and b"Exif" not in data


def test_exif_is_removed_from_png_and_webp_too():
    for fmt in ("PNG", "WEBP"):
        result, *_ = clean_image(SimpleUploadedFile("x.img", photo_with_gps(fmt), "image/png"))
        data = result.read()
        assert b"PhoneMaker" not in data
        assert len(Image.open(io.BytesIO(data)).getexif()) == 0


def test_orientation_is_applied_before_exif_is_dropped():
    im = Image.new("RGB", (60, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° when shown
    out = io.BytesIO()
    im.save(out, format="JPEG", exif=exif.tobytes())
    _, w, h = clean_image(SimpleUploadedFile("p.jpg", out.getvalue()))
    assert (w, h) == (20, 60)


def test_a_renamed_non_image_is_refused():
    fake = SimpleUploadedFile("photo.jpg", b"#!/bin/sh\necho not a picture\n" * 20, "image/jpeg")
    with pytest.raises(ValidationError, match="不是有效的图片"):
        clean_image(fake)


def test_a_truncated_image_is_refused():
    raw = photo_with_gps(size=(400, 400))[:300]
    with pytest.raises(ValidationError):
        clean_image(SimpleUploadedFile("cut.jpg", raw))


def test_an_oversized_file_is_refused():
    big = SimpleUploadedFile("big.jpg", photo_with_gps() + b"\0" * (2 * 1024 * 1024))
    with pytest.raises(ValidationError, match="图片太大"):
        clean_image(big, max_bytes=1024 * 1024)


def test_too_many_pixels_are_refused_before_decoding():
    out = io.BytesIO()
    Image.new("L", (3000, 3000)).save(out, format="PNG")
    with pytest.raises(ValidationError, match="像素过多"):
        clean_image(SimpleUploadedFile("wide.png", out.getvalue()), max_pixels=1_000_000)


def test_large_photos_are_scaled_down_and_transparency_kept():
    out = io.BytesIO()
    Image.new("RGBA", (3000, 1000), (0, 0, 0, 0)).save(out, format="PNG")
    result, w, h = clean_image(SimpleUploadedFile("a.png", out.getvalue()), max_side=1500)
    assert (w, h) == (1500, 500)
    assert Image.open(result).mode == "RGBA"


def test_unsupported_formats_are_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="BMP")
    with pytest.raises(ValidationError, match="只支持"):
        clean_image(SimpleUploadedFile("x.jpg", out.getvalue()))


def test_a_png_too_large_to_decode_whole_is_refused_but_a_jpeg_of_that_size_is_read_reduced(
    monkeypatch,
):
    """Non-JPEG formats decode whole, so they are capped lower; a JPEG is decoded reduced."""
    monkeypatch.setattr("community.images.MAX_PIXELS_FULL_DECODE", 1_000_000)
    png = io.BytesIO()
    Image.new("L", (1200, 1000)).save(png, format="PNG")
    with pytest.raises(ValidationError, match="像素过多"):
        clean_image(SimpleUploadedFile("big.png", png.getvalue()))
    jpeg = io.BytesIO()
    Image.new("RGB", (1600, 1200), (200, 120, 40)).save(jpeg, format="JPEG")
    decoded = []
    real_load = Image.Image.load

    def spy(im):
        decoded.append(im.size)
        return real_load(im)

    monkeypatch.setattr(Image.Image, "load", spy)
    _file, w, h = clean_image(SimpleUploadedFile("big.jpg", jpeg.getvalue()), max_side=200)
    assert (w, h) == (200, 150)
    assert decoded[0] == (400, 300)  # decoded at 1/4 scale (the smallest covering 200 × 200)
