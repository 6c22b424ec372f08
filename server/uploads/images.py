"""Decide what a file is by its bytes, and re-encode it without its metadata.

The name and Content-Type a client sends say nothing: the magic bytes pick the format, Pillow
must agree and decode every pixel (a truncated file fails here). The image is then scaled to a
sensible size, turned upright (EXIF orientation applied to the pixels) and encoded again with
none of the original metadata: EXIF (GPS, camera serial), XMP and comments are dropped; the
colour profile is kept.

Memory: a few kilobytes of PNG can describe a canvas of tens of millions of pixels, and
decoding costs 4 bytes a pixel whatever the file's size. So the pixels a decode would produce
are counted from the header before any is decoded, and beyond MAX_DECODED_PIXELS the photo is
refused as too large. A JPEG is decoded by libjpeg at 1/2, 1/4 or 1/8 scale when that still
covers the size kept (``draft``), so a 48 MP phone JPEG decodes as 12 MP and is accepted; PNG
and WebP have no such reduction and are decoded whole. The largest decode (64 MiB) plus the
scaler's buffers (its horizontal pass and the result, about 65 MiB more) bound one upload at
about 130 MiB: measured for a 4096×4096 PNG, where a 7000×7000 one used to take 380 MiB.
"""

from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps

# Format -> (MIME type, file extension). Nothing else is accepted.
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MIME_BY_EXTENSION = {extension: mime for mime, extension in FORMATS.values()}

# The most pixels one decode may produce, counted before decoding (after libjpeg's reduction
# for a JPEG). What a phone photo needs: cameras save 12 MP by default (4032×3024, binned from
# their 48–200 MP sensors; a 48 MP JPEG decodes reduced to 12 MP) and the older 16 MP ones
# 4608×3456; a 4096×4096 square (16.8 MP) holds both. At 4 bytes a pixel that is 64 MiB.
MAX_DECODED_PIXELS = 4096 * 4096
# Longest side kept: plenty for a phone screen, and it bounds storage and bandwidth.
MAX_EDGE = 2560
QUALITY = 85

TOO_LARGE_MESSAGE = "图片尺寸过大，请缩小后再上传"


class ImageRefused(ValueError):
    """Not a JPEG, PNG or WebP we can decode; ``message`` is for the person who sent it,
    ``detail`` names what is wrong with the file."""

    code = "invalid_image"

    def __init__(self, message: str, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail or message


class ImageTooLarge(ImageRefused):
    code = "image_too_large"

    def __init__(self, size: tuple[int, int] | None = None):
        described = f"{size[0]}×{size[1]} 像素" if size else "像素过多"
        limit = f"{MAX_DECODED_PIXELS // 10_000} 万像素（如 4096×4096）"
        super().__init__(TOO_LARGE_MESSAGE, f"图片为 {described}，最多 {limit}")


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
    except Image.DecompressionBombError:  # Pillow's own ceiling, met while reading the header
        raise ImageTooLarge() from None
    except Exception as exc:  # Pillow signals a broken file with many exception types
        raise ImageRefused("图片已损坏或不完整，请重新选择") from exc
    image = _normalise_mode(image, kind)
    image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    # Turned after scaling: the turn copies every pixel, and there are fewer of them now.
    ImageOps.exif_transpose(image, in_place=True)
    icc_profile = image.info.get("icc_profile")
    image.info = {}  # drop EXIF, XMP, comments, text chunks: nothing of the original travels on
    mime, extension = FORMATS[kind]
    return CleanImage(_encode(image, kind, icc_profile), mime, extension, image.width, image.height)


def _decode(data: bytes, kind: str) -> Image.Image:
    # First pass: the header and the format's own integrity check, without decoding pixels.
    with Image.open(BytesIO(data), formats=[kind]) as probe:
        if probe.format != kind:
            raise ImageRefused("只支持 JPEG、PNG 或 WebP 格式的图片")
        probe.verify()
    # Second pass: decode every pixel (verify() cannot be followed by load() on the same object).
    image = Image.open(BytesIO(data), formats=[kind])
    sent_size = image.size
    if kind == "JPEG":
        # libjpeg decodes at the largest reduction that still covers the size kept; from here
        # ``size`` is what the decode will produce.
        image.draft(None, _kept_size(sent_size))
    if image.width * image.height > MAX_DECODED_PIXELS:
        raise ImageTooLarge(sent_size)
    image.load()
    return image


def _kept_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size ``thumbnail`` will scale to, within MAX_EDGE × MAX_EDGE."""
    scale = min(1.0, MAX_EDGE / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


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
