"""Photos for the upload and push tests: images made with Pillow, uploads through the API,
and reading back what was stored."""

import io

from PIL import ExifTags, Image

from server.extensions import db
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
