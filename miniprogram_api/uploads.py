"""Photos: upload one, fetch one; and the signed media links WeChat's image checker fetches."""

from functools import wraps

from flask import Response, current_app, request, send_file, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.uploads import UploadFormSchema, UploadSchema
from server.ratelimits import UPLOAD
from server.uploads import operations
from server.uploads.storage import public_base_url
from server.wishes.photos import visible_upload

blp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads", description="Photos for wishes and fulfilments")
media_blp = Blueprint("media", __name__, url_prefix="/media", description="Signed, expiring photo links for WeChat")

# Room for the multipart envelope around the file (boundaries, part headers).
MULTIPART_OVERHEAD = 64 * 1024


def _upload_size_limit(func):
    """This endpoint alone accepts bodies beyond the app's MAX_CONTENT_LENGTH (up to
    UPLOAD_MAX_BYTES); set before anything reads the body. Too large -> 413 naming the limit."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"] + MULTIPART_OVERHEAD
        try:
            return func(*args, **kwargs)
        except RequestEntityTooLarge:
            raise operations.FileTooLarge() from None

    return wrapper


def _answer(upload):
    upload.url = public_base_url() + url_for("uploads.get_upload", upload_id=upload.id)
    return upload


@blp.route("", methods=["POST"])
@_upload_size_limit
@blp.login_required
@blp.writes
@blp.rate_limited(UPLOAD)
@blp.arguments(UploadFormSchema, location="files")
@blp.response(201, UploadSchema)
@blp.errors(400)
def upload_photo(form):
    """Upload one photo (multipart field ``file``). Its id goes in a wish's or a fulfilment's
    ``photos``. Location data is removed; WeChat checks the image and a risky one is hidden."""
    return _answer(operations.store_upload(current_user(), form["file"]))


@blp.route("/<string(maxlength=32):upload_id>", methods=["GET"])  # ids are 22 characters
@blp.login_required
@blp.response(200, content_type="image/*", description="the image: image/jpeg, image/png or image/webp")
@blp.errors(404)
def get_upload(upload_id):
    """The photo, for its owner, anyone who may view a wish using it, and that wish's staff;
    a photo WeChat found risky (or sent to review) only for the staff."""
    # With S3 the bytes are streamed through here, not handed off as a redirect to a presigned
    # URL: a fresh presigned URL differs on every view, so the mini-program's image cache would
    # download the whole photo again each time, where this URL keeps its ETag and a repeat view
    # costs a 304 of no bytes on a weak network; a photo hidden by a verdict disappears at the
    # next request instead of living on in links already handed out; and the mini-program needs
    # no second download domain whitelisted. (The WeChat checker alone gets presigned links.)
    upload = visible_upload(current_user(), upload_id)
    if request.if_none_match.contains_weak(upload.id):
        # Revalidation is answered from the row: the store is not asked for bytes nobody reads.
        return _no_store_caching(Response(status=304, headers={"ETag": f'"{upload.id}"'}))
    return _image(operations.open_upload(upload), upload.mime, etag=upload.id, size=upload.size)


@media_blp.route("/<string(maxlength=256):token>", methods=["GET"])  # tokens are ~90
@media_blp.response(200, content_type="image/*", description="the image, without a bearer token")
@media_blp.errors(404)
def get_media(token):
    """A signed link from the upload's check request; it expires after an hour."""
    stream, mime = operations.open_media(token)
    return _image(stream, mime, etag=None)


def _image(stream, mime: str, *, etag: str | None, size: int | None = None):
    response = send_file(stream, mimetype=mime, etag=etag or False, conditional=etag is not None)
    if response.status_code == 200 and response.content_length is None and size is not None:
        # A stream from the object store has no length of its own; the row knows it, and with it
        # a client on a weak network can show progress and tell a cut-off download.
        response.content_length = size
    return _no_store_caching(response)


def _no_store_caching(response):
    # Who may see a photo can change (a verdict hides it): shared caches keep nothing, the
    # browser revalidates (a 304 costs no bytes).
    response.cache_control.private = True
    response.cache_control.no_cache = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
