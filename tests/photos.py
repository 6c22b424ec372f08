"""Photos for the upload and push tests: images made with Pillow, uploads through the API,
and reading back what was stored."""

import io
import struct
import zlib

from PIL import ExifTags, Image

from server.core.extensions import db
from server.uploads import storage
from server.uploads.models import Upload

# -- images made on the spot ---------------------------------------------------------------


def image_bytes(fmt: str, size=(64, 48), *, exif=None, mode="RGB", **options) -> bytes:
    image = Image.new(mode, size, (200, 40, 40) if mode == "RGB" else None)
    out = io.BytesIO()
    if exif is not None:
        options["exif"] = exif
    image.save(out, format=fmt, **options)
    return out.getvalue()


def png_canvas(width: int, height: int, *, mode: str = "RGB") -> bytes:
    """A whole, valid PNG of ``width`` × ``height`` black pixels (``mode`` "RGB" or "1"),
    compressed row by row: some hundred kilobytes for a canvas that decodes to hundreds of
    megabytes, made without ever holding that canvas."""
    depth, colour_type, row_bytes = (8, 2, 3 * width) if mode == "RGB" else (1, 0, (width + 7) // 8)
    compressor = zlib.compressobj(6)
    row = bytes(1 + row_bytes)  # filter type 0, then the row's samples
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (35.0, 5.0, 24.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (108.0, 56.0, 10.0)
    return exif


def jpeg_with_gps() -> bytes:
    data = image_bytes("JPEG", exif=gps_exif())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test image has GPS
    return data


# -- helpers -------------------------------------------------------------------------------


def upload(api, data: bytes, filename="photo.jpg", content_type="image/jpeg", headers=None):
    response = api.client.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(data), filename, content_type)},
        headers=api._headers(headers),
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_json(silent=True)


def uploaded(api, data: bytes | None = None, **kwargs) -> dict:
    status, body = upload(api, data if data is not None else image_bytes("JPEG"), **kwargs)
    assert status == 201, body
    return body


def row(app, upload_id: str) -> Upload:
    with app.app_context():
        found = db.session.get(Upload, upload_id)
        db.session.expunge_all()
        return found


def stored_bytes(app, upload_id: str) -> bytes:
    key = row(app, upload_id).storage_key
    with app.test_request_context(), storage.get_storage().open(key) as stored:
        return stored.read()


def fetch(api, upload_id: str):
    response = api.client.get(f"/api/v1/uploads/{upload_id}", headers=api._headers(None))
    return response


def store_one_then_abandon_one(app, owner_id: int, end: str) -> tuple[str, str]:
    """Store a photo and commit its row; store another and end that transaction without a
    commit, by ``end``: "rollback", or "remove" as a request that failed is torn down.
    Answers both storage keys."""
    from werkzeug.datastructures import FileStorage

    from server.accounts.models import User
    from server.uploads.operations import store_upload

    def photo():
        return FileStorage(io.BytesIO(image_bytes("JPEG")), "photo.jpg", content_type="image/jpeg")

    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        kept = store_upload(owner, photo()).storage_key
        db.session.commit()
        dropped = store_upload(owner, photo()).storage_key
        if end == "rollback":
            db.session.rollback()
        else:
            db.session.remove()
    return kept, dropped


def is_stored(app, key: str) -> bool:
    with app.test_request_context():
        try:
            storage.get_storage().open(key).close()
        except FileNotFoundError:
            return False
    return True
