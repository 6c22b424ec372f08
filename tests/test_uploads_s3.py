"""Photos in an S3-compatible object store: the same API as the local folder, the bytes in the
bucket, WeChat's checker given a presigned link that expires, and a store that is down answered
with a 503 in the one error shape. Against a real S3-protocol server over HTTP (tests/s3_server.py)."""

import io
import socket
import time

import pytest
import requests
from PIL import ExifTags, Image
from sqlalchemy import func, select

from server.app import create_app
from server.core.extensions import db
from server.settings import ConfigError
from server.uploads.models import Upload
from tests.conftest import ApiClient, act, post_wish, settings_from
from tests.photos import fetch, image_bytes, is_stored, jpeg_with_gps, row, store_one_then_abandon_one, upload, uploaded
from tests.s3_server import BUCKET, SECRET_ACCESS_KEY

# The session app's settings an S3 app shares: the same database and the same WeChat fake.
SHARED = ("SQLALCHEMY_DATABASE_URI", "WECHAT_API_BASE", "WECHAT_APPID", "WECHAT_SECRET")


def s3_app(base_app, folder, **settings):
    """An app like the session's, on the same database, with photos in the object store; the
    local folder is given so a test can see that nothing lands in it."""
    overrides = {key: base_app.config[key] for key in SHARED}
    return create_app({**overrides, "UPLOAD_FOLDER": str(folder), **settings}, env_name="testing")


@pytest.fixture(scope="module")
def local_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("never-used-uploads")


@pytest.fixture(scope="module")
def app(app, s3_server, local_folder):
    """Every fixture of this module (world, client, live_server) runs against the S3 app."""
    yield from _closing(s3_app(app, local_folder, **s3_server.settings()))


def _closing(app):
    yield app
    with app.app_context():
        db.engine.dispose()  # its own connection pool: closed, not left to the session's database


@pytest.fixture(scope="module")
def bucket(s3_server):
    return s3_server.client()


def stored_object(bucket, app, upload_id: str) -> dict:
    answer = bucket.get_object(Bucket=BUCKET, Key=row(app, upload_id).storage_key)
    return {"data": answer["Body"].read(), "content_type": answer["ContentType"]}


# -- where the bytes go --------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_an_uploaded_photo_is_an_object_in_the_bucket_with_its_content_type(
    app, world, bucket, local_folder, fmt, mime
):
    body = uploaded(world.resident, image_bytes(fmt, (80, 60)), filename=f"p.{fmt.lower()}")

    stored = stored_object(bucket, app, body["id"])
    assert stored["content_type"] == mime
    assert Image.open(io.BytesIO(stored["data"])).format == fmt
    assert row(app, body["id"]).size == len(stored["data"])
    assert list(local_folder.iterdir()) == []  # nothing went to the local folder


def test_gps_and_all_other_exif_are_gone_from_the_object_in_the_bucket(app, world, bucket):
    body = uploaded(world.resident, jpeg_with_gps())

    stored = Image.open(io.BytesIO(stored_object(bucket, app, body["id"])["data"]))
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in stored.info


# -- residents get the photo through the API -------------------------------------------------


def test_the_owner_gets_the_bytes_from_the_store_with_type_length_and_etag(app, world, bucket):
    body = uploaded(world.resident, image_bytes("PNG"), filename="p.png")

    response = fetch(world.resident, body["id"])

    assert response.status_code == 200
    assert response.data == stored_object(bucket, app, body["id"])["data"]
    assert response.headers["Content-Type"] == "image/png"
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert "private" in response.headers["Cache-Control"]
    again = world.resident.client.get(
        f"/api/v1/uploads/{body['id']}", headers=world.resident._headers({"If-None-Match": response.headers["ETag"]})
    )
    assert again.status_code == 304
    assert again.data == b""


def test_a_photo_over_a_live_http_server_arrives_whole(world, live_server):
    data = image_bytes("JPEG", (1600, 1200), quality=95)  # several blocks of the stream
    photo = uploaded(world.resident, data)["id"]

    response = requests.get(
        f"{live_server}/api/v1/uploads/{photo}", headers={"Authorization": f"Bearer {world.resident.token}"}, timeout=10
    )

    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (1600, 1200)
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_a_wish_photo_is_seen_by_whoever_may_view_the_wish_and_no_one_else(world):
    photo = uploaded(world.resident)["id"]
    wish = post_wish(world.resident, photos=[photo])

    assert fetch(world.worker, photo).status_code == 200  # staff of the grid, during review
    assert fetch(world.member, photo).status_code == 404  # not in the pool while waiting for review
    assert fetch(world.other_worker, photo).status_code == 404  # another grid's worker
    act(world.worker, wish["id"], "review", {"decision": "approve"})
    assert fetch(world.member, photo).status_code == 200
    assert fetch(world.neighbour, photo).status_code == 200


@pytest.mark.parametrize("verdict", ["risky", "review"])
def test_a_photo_hidden_by_wechats_verdict_is_hidden_from_all_but_staff(
    app, world, client, fake_wechat, monkeypatch, verdict
):
    photo = uploaded(world.resident)["id"]
    wish = post_wish(world.resident, photos=[photo])
    act(world.worker, wish["id"], "review", {"decision": "approve"})
    assert fetch(world.neighbour, photo).status_code == 200
    fake_wechat.app.media_verdicts[photo] = verdict  # the presigned link names the object: the photo's id
    monkeypatch.setattr(fake_wechat.app, "push_token", app.config["WECHAT_PUSH_TOKEN"])
    params, body = fake_wechat.app.push_event(fake_wechat.app.media_checks[-1])

    assert client.post("/wechat/push", query_string=params, json=body).data == b"success"

    for name in ("neighbour", "member", "resident"):
        hidden = fetch(world.clients[name], photo)
        assert hidden.status_code == 404, name
        assert hidden.get_json()["error"]["code"] == "not_found"
    assert fetch(world.worker, photo).status_code == 200
    assert fetch(world.community_admin, photo).status_code == 200


def test_a_photo_whose_object_is_gone_from_the_bucket_is_404_not_500(app, world, bucket):
    photo = uploaded(world.resident)["id"]
    bucket.delete_object(Bucket=BUCKET, Key=row(app, photo).storage_key)

    response = fetch(world.resident, photo)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("end", ["rollback", "remove"])
def test_a_stored_photo_whose_row_never_commits_is_deleted_again(app, world, end):
    kept, dropped = store_one_then_abandon_one(app, world.user_id("resident"), end)
    assert is_stored(app, kept)
    assert not is_stored(app, dropped), "no file without a row naming it"


# -- WeChat's image checker gets a presigned link --------------------------------------------


def test_wechats_checker_gets_a_presigned_link_that_works_over_http_until_it_expires(
    app, world, fake_wechat, s3_server, bucket, monkeypatch
):
    monkeypatch.setitem(app.config, "MEDIA_URL_MAX_AGE_SECONDS", 2)
    photo = uploaded(world.resident)["id"]
    (check,) = fake_wechat.app.media_checks
    link = check["media_url"]
    assert link.startswith(f"{s3_server.endpoint_url}/{BUCKET}/")
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in link
    assert "X-Amz-Expires=2&" in link
    assert SECRET_ACCESS_KEY not in link

    # Fetched as WeChat does: plain HTTP, no bearer token, straight from the store.
    fetched = requests.get(link, timeout=5)
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "image/jpeg"
    assert fetched.content == stored_object(bucket, app, photo)["data"]
    tampered = requests.get(link.replace("X-Amz-Expires=2", "X-Amz-Expires=9"), timeout=5)
    assert tampered.status_code == 403

    deadline = time.monotonic() + 6
    while (expired := requests.get(link, timeout=5)).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert expired.status_code == 403
    assert b"expired" in expired.content


# -- a store that is down or refuses us ------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["unreachable", "no such bucket"])
def broken_store_app(request, app, s3_server, local_folder):
    if request.param == "unreachable":
        settings = s3_server.settings(S3_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}", S3_CONNECT_TIMEOUT_SECONDS=1)
    else:
        settings = s3_server.settings(S3_BUCKET="no-such-bucket")
    yield from _closing(s3_app(app, local_folder, **settings))


def test_when_the_store_is_down_an_upload_is_503_in_the_error_shape_and_nothing_is_written(
    app, world, fake_wechat, broken_store_app
):
    resident = ApiClient(broken_store_app.test_client(), world.resident.token)

    started = time.monotonic()
    status, body = upload(resident, image_bytes("JPEG"))

    assert time.monotonic() - started < 10
    assert status == 503
    assert body == {
        "error": {"code": "storage_unavailable", "message": "图片存储暂时不可用，请稍后重试", "details": {}}
    }
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 0
    assert fake_wechat.app.media_checks == []  # WeChat was not asked to check a photo we do not have


def test_when_the_store_is_down_fetching_a_photo_is_503_not_500(world, broken_store_app):
    photo = uploaded(world.resident)["id"]  # stored while the store was up
    resident = ApiClient(broken_store_app.test_client(), world.resident.token)

    response = fetch(resident, photo)

    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "storage_unavailable"


# -- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"FLASK_S3_BUCKET": '"photos"'}, "S3_ENDPOINT_URL, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY"),
        ({"FLASK_S3_ENDPOINT_URL": '"http://minio:9000"'}, "S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY"),
        (
            {
                "FLASK_S3_BUCKET": '"photos"',
                "FLASK_S3_ENDPOINT_URL": '"http://minio:9000"',
                "FLASK_S3_ACCESS_KEY_ID": '"k"',
            },
            "S3_SECRET_ACCESS_KEY",
        ),
    ],
)
def test_half_an_object_store_configuration_stops_start_up_naming_what_is_missing(environ, named):
    with pytest.raises(ConfigError, match="half configured") as refused:
        settings_from(**environ)

    assert f"{named} empty" in str(refused.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FLASK_S3_ENDPOINT_URL", '"minio:9000"'),
        ("FLASK_S3_BUCKET", '"Photos_Bucket"'),
        ("FLASK_S3_ADDRESSING_STYLE", '"sideways"'),
        ("FLASK_MEDIA_URL_MAX_AGE_SECONDS", "0"),
        ("FLASK_MEDIA_URL_MAX_AGE_SECONDS", str(8 * 24 * 3600)),
    ],
)
def test_a_malformed_object_store_setting_is_refused_with_its_name(variable, value):
    with pytest.raises(ConfigError, match=variable.removeprefix("FLASK_")):
        settings_from(**{variable: value})


def test_the_secret_key_is_never_printed_in_a_start_up_error():
    with pytest.raises(ConfigError, match="S3_SECRET_ACCESS_KEY") as refused:
        settings_from(FLASK_S3_SECRET_ACCESS_KEY="123456789")  # JSON: a number, not a string

    assert "123456789" not in str(refused.value)


def test_the_object_store_is_off_until_configured():
    config = settings_from()

    assert config["S3_BUCKET"] == config["S3_ENDPOINT_URL"] == ""
