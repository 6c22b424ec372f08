"""Decide what a file is by its bytes, and re-encode it without its metadata.

The name and Content-Type a client sends say nothing: the magic bytes pick the format, Pillow
must agree and decode every pixel (a truncated file fails here). The image is then turned
upright (EXIF orientation applied to the pixels), scaled to a sensible size and encoded again
with none of the original metadata: EXIF (GPS, camera serial), XMP and comments are dropped;
the colour profile is kept.
"""

from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps

# Format -> (MIME type, file extension). Nothing else is accepted.
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MIME_BY_EXTENSION = {extension: mime for mime, extension in FORMATS.values()}

# Refused before decoding: a small file can claim a huge canvas (a decompression bomb).
MAX_PIXELS = 50_000_000
# Longest side kept: plenty for a phone screen, and it bounds storage and bandwidth.
MAX_EDGE = 2560
QUALITY = 85


class ImageRefused(ValueError):
    """Not a JPEG, PNG or WebP we can decode; ``message`` is for the person who sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    mime: str
    extension: str
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """The format named by the file's first bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def clean(data: bytes) -> CleanImage:
    kind = sniff(data)
    if kind is None:
        raise ImageRefused("只支持 JPEG、PNG 或 WebP 格式的图片")
    try:
        image = _decode(data, kind)
    except ImageRefused:
        raise
    except Exception as exc:  # Pillow signals a broken file with many exception types
        raise ImageRefused("图片已损坏或不完整，请重新选择") from exc
    image = _normalise_mode(image, kind)
    image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    icc_profile = image.info.get("icc_profile")
    image.info = {}  # drop EXIF, XMP, comments, text chunks: nothing of the original travels on
    mime, extension = FORMATS[kind]
    return CleanImage(_encode(image, kind, icc_profile), mime, extension, image.width, image.height)


def _decode(data: bytes, kind: str) -> Image.Image:
    # First pass: the header and the format's own integrity check, without decoding pixels.
    with Image.open(BytesIO(data), formats=[kind]) as probe:
        if probe.format != kind:
            raise ImageRefused("只支持 JPEG、PNG 或 WebP 格式的图片")
        width, height = probe.size
        if width * height > MAX_PIXELS:
            raise ImageRefused("图片尺寸过大，请压缩后再上传")
        probe.verify()
    # Second pass: decode every pixel (verify() cannot be followed by load() on the same object).
    with Image.open(BytesIO(data), formats=[kind]) as image:
        if kind == "JPEG":
            image.draft("RGB", (MAX_EDGE, MAX_EDGE))  # let libjpeg scale down while decoding
        image.load()
        # exif_transpose returns a new, upright image (orientation tag removed).
        return ImageOps.exif_transpose(image)


def _normalise_mode(image: Image.Image, kind: str) -> Image.Image:
    """Modes every viewer shows correctly; transparency kept where the format has it."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if kind == "JPEG":
        target = image.mode if image.mode in ("RGB", "L") else "RGB"
    elif kind == "PNG" and image.mode == "L" and not has_alpha:
        target = "L"
    else:
        target = "RGBA" if has_alpha else "RGB"
    if image.mode == target:
        return image
    converted = image.convert(target)
    # A profile describes the old colour space (e.g. CMYK): it would now be wrong.
    converted.info.pop("icc_profile", None)
    return converted


def _encode(image: Image.Image, kind: str, icc_profile: bytes | None) -> bytes:
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if kind == "JPEG":
        options.update(quality=QUALITY, optimize=True)
    elif kind == "WEBP":
        options.update(quality=QUALITY, method=4)
    out = BytesIO()
    image.save(out, format=kind, **options)
    return out.getvalue()
