"""Photo uploads: accepted by what the bytes are, stripped of location, stored, sent to WeChat's
image check; wishes and fulfilments may reference only their author's photos."""

import io
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from server.core.extensions import db
from server.settings import ConfigError
from server.uploads.models import Upload
from tests.conftest import VALID_WISH, act, post_wish, settings_from
from tests.photos import (
    fetch,
    gps_exif,
    image_bytes,
    is_stored,
    jpeg_with_gps,
    png_canvas,
    row,
    store_one_then_abandon_one,
    stored_bytes,
    upload,
    uploaded,
)

MEDIA_CHECK = "/wxa/media_check_async"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


# -- what is accepted ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mime", "options"),
    [("JPEG", "image/jpeg", {}), ("PNG", "image/png", {}), ("WEBP", "image/webp", {"quality": 80})],
)
def test_jpeg_png_and_webp_are_accepted_with_an_opaque_id(app, world, fmt, mime, options):
    body = uploaded(world.resident, image_bytes(fmt, (80, 60), **options), filename=f"p.{fmt.lower()}")

    assert set(body) == {"id", "status", "url", "width", "height"}
    assert len(body["id"]) == 22
    assert body["status"] == "checking"
    assert (body["width"], body["height"]) == (80, 60)
    assert body["url"].endswith(f"/api/v1/uploads/{body['id']}")
    stored = row(app, body["id"])
    assert stored.mime == mime
    assert stored.owner_id == world.user_id("resident")
    assert stored.size == len(stored_bytes(app, body["id"]))
    assert Image.open(io.BytesIO(stored_bytes(app, body["id"]))).format == fmt


def test_the_format_is_decided_by_the_bytes_not_the_name_or_content_type(app, world):
    body = uploaded(world.resident, image_bytes("PNG"), filename="photo.gif", content_type="image/gif")

    assert row(app, body["id"]).mime == "image/png"
    response = fetch(world.resident, body["id"])
    assert response.headers["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "data", "filename", "content_type"),
    [
        ("gif", image_bytes("GIF"), "photo.gif", "image/gif"),
        ("gif named jpg", image_bytes("GIF"), "photo.jpg", "image/jpeg"),
        ("text named jpg", "这不是图片，只是一段文字。\n".encode() * 20, "photo.jpg", "image/jpeg"),
        ("truncated jpeg", None, "photo.jpg", "image/jpeg"),
        ("jpeg header only", b"\xff\xd8\xff\xe0" + b"\x00" * 200, "photo.jpg", "image/jpeg"),
        ("empty file", b"", "photo.jpg", "image/jpeg"),
    ],
)
def test_anything_but_a_whole_jpeg_png_or_webp_is_refused_naming_file(app, world, name, data, filename, content_type):
    if data is None:
        whole = image_bytes("JPEG", (400, 300), quality=95)
        data = whole[: len(whole) // 2]

    status, body = upload(world.resident, data, filename=filename, content_type=content_type)

    assert status == 422, (name, body)
    assert body["error"]["code"] == "invalid_image"
    assert "file" in body["error"]["details"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


def test_a_request_without_the_file_field_is_refused_naming_file(world):
    response = world.resident.client.post(
        "/api/v1/uploads",
        data={"other": "x"},
        headers=world.resident._headers(None),
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["details"]


def test_uploading_needs_a_login(client):
    response = client.post(
        "/api/v1/uploads", data={"file": (io.BytesIO(image_bytes("JPEG")), "p.jpg")}, content_type="multipart/form-data"
    )

    assert response.status_code == 401


# -- size ----------------------------------------------------------------------------------


def noise_png(width=1200, height=1000) -> bytes:
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_photo_above_the_apps_2_mb_request_limit_is_accepted_here(app, world):
    data = noise_png()
    assert 2 * MB < len(data) <= 5 * MB

    body = uploaded(world.resident, data, filename="big.png", content_type="image/png")

    assert (body["width"], body["height"]) == (1200, 1000)


def test_other_endpoints_keep_the_2_mb_limit(world):
    status, body = world.resident.post("/api/v1/wishes", {"title": "x" * (3 * MB)})

    assert status == 413
    assert body["error"]["code"] == "payload_too_large"


def test_a_file_of_5_mb_plus_1_byte_is_413_in_the_error_shape(app, world, fake_wechat):
    data = noise_png()
    data += b"\x00" * (5 * MB + 1 - len(data))  # still a PNG at the start; one byte too many

    status, body = upload(world.resident, data, filename="big.png", content_type="image/png")

    assert status == 413
    assert set(body) == {"error"}
    assert body["error"]["code"] == "payload_too_large"
    assert "5 MB" in body["error"]["message"]
    assert "file" in body["error"]["details"]
    assert fake_wechat.app.calls[MEDIA_CHECK] == 0


def test_a_body_far_beyond_the_limit_is_413_naming_the_photo_limit(world):
    status, body = upload(world.resident, b"\xff\xd8\xff" + b"\x00" * (6 * MB))

    assert status == 413
    assert body["error"]["code"] == "payload_too_large"
    assert "5 MB" in body["error"]["message"]


# -- pixels --------------------------------------------------------------------------------

# What a refusal of a canvas too large says: not "corrupt", and where.
TOO_LARGE = "图片尺寸过大，请缩小后再上传"


@cache
def huge_png() -> bytes:
    data = png_canvas(7000, 7000)  # 49 MP, under the old cap of 50 MP; 196 MB once decoded
    assert len(data) < 200 * 1024
    return data


def _assert_too_large(app, fake_wechat, status, body, size: str):
    assert status == 422, body
    assert body["error"]["code"] == "image_too_large"
    assert body["error"]["message"] == TOO_LARGE
    (detail,) = body["error"]["details"]["file"]
    assert size in detail
    assert "4096×4096" in detail
    assert fake_wechat.app.calls[MEDIA_CHECK] == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


def test_a_small_png_of_7000_by_7000_pixels_is_refused_as_too_large_naming_file(app, world, fake_wechat):
    status, body = upload(world.resident, huge_png(), filename="bomb.png", content_type="image/png")

    _assert_too_large(app, fake_wechat, status, body, "7000×7000")


def test_a_png_at_the_pixel_limit_is_accepted_and_one_row_more_is_too_large(app, world, fake_wechat):
    body = uploaded(world.resident, png_canvas(4096, 4096), filename="square.png", content_type="image/png")
    assert (body["width"], body["height"]) == (2560, 2560)

    status, refused = upload(world.resident, png_canvas(4096, 4097), filename="tall.png", content_type="image/png")

    assert status == 422
    assert refused["error"]["code"] == "image_too_large"
    assert "4096×4097" in refused["error"]["details"]["file"][0]


def test_a_canvas_beyond_pillows_own_ceiling_is_too_large_not_corrupt(app, world, fake_wechat):
    status, body = upload(world.resident, png_canvas(20000, 10000, mode="1"), content_type="image/png")

    assert status == 422, body
    assert body["error"]["code"] == "image_too_large"
    assert body["error"]["message"] == TOO_LARGE


def test_a_jpeg_beyond_the_pixel_limit_is_accepted_as_it_decodes_at_reduced_scale(world):
    # 24 MP: libjpeg decodes it at half scale (6 MP), as it does a 48 MP phone photo.
    body = uploaded(world.resident, image_bytes("JPEG", (6000, 4000), mode="L"))

    assert (body["width"], body["height"]) == (2560, 1707)


MEASURE_DECODE = """
import resource, sys
from server.uploads import images
from tests.photos import png_canvas

data = png_canvas(7000, 7000)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    images.clean(data)
    print("accepted")
except images.ImageRefused as exc:
    print(exc.code)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)  # KiB -> MiB
"""


def test_refusing_a_huge_canvas_costs_the_worker_no_memory_for_its_pixels():
    # A process of its own: its peak resident size is what this upload alone made it.
    result = subprocess.run(
        [sys.executable, "-c", MEASURE_DECODE],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )

    verdict, grown_mib = result.stdout.split()
    assert verdict == "image_too_large"
    assert int(grown_mib) < 100


# -- metadata ------------------------------------------------------------------------------


def test_gps_and_all_other_exif_are_gone_from_the_stored_photo(app, world):
    body = uploaded(world.resident, jpeg_with_gps())

    stored = Image.open(io.BytesIO(stored_bytes(app, body["id"])))
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in stored.info
    assert "xmp" not in stored.info
    served = Image.open(io.BytesIO(fetch(world.resident, body["id"]).data))
    assert "exif" not in served.info


def test_orientation_is_kept_by_turning_the_pixels_upright(app, world):
    # 60x30: left half red, right half blue; EXIF 6 means "rotate 90° clockwise to display".
    image = Image.new("RGB", (60, 30), (255, 0, 0))
    image.paste((0, 0, 255), (30, 0, 60, 30))
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=gps_exif(orientation=6), quality=95)

    body = uploaded(world.resident, out.getvalue())

    assert (body["width"], body["height"]) == (30, 60)
    upright = Image.open(io.BytesIO(stored_bytes(app, body["id"]))).convert("RGB")
    assert upright.size == (30, 60)
    assert ExifTags.Base.Orientation not in upright.getexif()
    top, bottom = upright.getpixel((15, 10)), upright.getpixel((15, 50))
    assert top[0] > 200 and top[2] < 60  # red went to the top
    assert bottom[2] > 200 and bottom[0] < 60


def test_a_very_large_photo_is_scaled_down_to_2560_pixels(world):
    body = uploaded(world.resident, image_bytes("JPEG", (4000, 3000)))

    assert (body["width"], body["height"]) == (2560, 1920)


# -- the image check -----------------------------------------------------------------------


def test_the_photo_is_sent_to_wechats_image_check_with_a_public_signed_link(app, world, client, fake_wechat):
    body = uploaded(world.resident)

    (check,) = fake_wechat.app.media_checks
    assert check["media_type"] == 2
    assert check["version"] == 2
    assert check["scene"] == 3
    assert check["openid"] == "resident"
    assert check["media_url"].startswith("http://localhost/media/")
    assert row(app, body["id"]).trace_id == check["trace_id"]
    # WeChat fetches the link without our bearer token and gets the stored bytes.
    fetched = client.get(check["media_url"].removeprefix("http://localhost"))
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "image/jpeg"
    assert fetched.data == stored_bytes(app, body["id"])


def test_the_public_link_uses_public_base_url_when_set(app, world, fake_wechat, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://wish.example.cn/")

    body = uploaded(world.resident)

    assert fake_wechat.app.media_checks[0]["media_url"].startswith("https://wish.example.cn/media/")
    assert body["url"] == f"https://wish.example.cn/api/v1/uploads/{body['id']}"


def test_a_forged_or_expired_media_link_is_404(app, world, client, fake_wechat, monkeypatch):
    uploaded(world.resident)
    path = fake_wechat.app.media_checks[0]["media_url"].removeprefix("http://localhost")

    forged = client.get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert forged.status_code == 404
    assert set(forged.get_json()) == {"error"}
    monkeypatch.setitem(app.config, "MEDIA_URL_MAX_AGE_SECONDS", -1)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("fault", ["busy", "slow", "unreachable"])
def test_when_wechat_is_down_the_upload_still_succeeds_and_stays_checking(app, world, fake_wechat, fault, monkeypatch):
    if fault == "busy":
        fake_wechat.app.fail_next(MEDIA_CHECK, -1)
    elif fault == "slow":
        monkeypatch.setitem(app.config, "WECHAT_READ_TIMEOUT_SECONDS", 0.3)
        fake_wechat.app.fail_next(MEDIA_CHECK, delay=1.0)
    else:
        monkeypatch.setitem(app.config, "WECHAT_API_BASE", "http://127.0.0.1:9")

    body = uploaded(world.resident)

    assert body["status"] == "checking"
    stored = row(app, body["id"])
    assert stored.status == "checking"
    assert stored.trace_id is None
    assert fetch(world.resident, body["id"]).status_code == 200


def test_the_same_idempotency_key_replays_the_upload_and_stores_one(app, world, fake_wechat):
    data = image_bytes("JPEG")
    first = uploaded(world.resident, data, headers={"Idempotency-Key": "upload-1"})
    again = uploaded(world.resident, data, headers={"Idempotency-Key": "upload-1"})

    assert again == first
    assert len(fake_wechat.app.media_checks) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 1


@pytest.mark.parametrize("end", ["rollback", "remove"])
def test_a_stored_photo_whose_row_never_commits_is_deleted_again(app, world, end):
    kept, dropped = store_one_then_abandon_one(app, world.user_id("resident"), end)
    assert is_stored(app, kept)
    assert not is_stored(app, dropped), "no file without a row naming it"


# -- who sees a photo ----------------------------------------------------------------------


def test_the_owner_gets_the_bytes_with_the_right_content_type(app, world):
    body = uploaded(world.resident, image_bytes("WEBP"), filename="p.webp", content_type="image/webp")

    response = fetch(world.resident, body["id"])

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]
    assert response.data == stored_bytes(app, body["id"])


def test_a_photo_no_wish_uses_is_seen_by_its_owner_only(world):
    body = uploaded(world.resident)

    for name in ("neighbour", "member", "worker"):
        response = fetch(world.clients[name], body["id"])
        assert response.status_code == 404, name
        assert response.get_json()["error"]["code"] == "not_found"


def test_a_wish_photo_is_seen_by_whoever_may_view_the_wish(world, wish_in):
    photo = uploaded(world.resident)["id"]
    wish = post_wish(world.resident, photos=[photo])
    assert wish["photos"] == [photo]

    assert fetch(world.worker, photo).status_code == 200  # staff of the grid, during review
    assert fetch(world.member, photo).status_code == 404  # the wish is not in the pool yet
    assert fetch(world.other_worker, photo).status_code == 404  # another grid's worker
    act(world.worker, wish["id"], "review", {"decision": "approve"})
    assert fetch(world.member, photo).status_code == 200
    assert fetch(world.neighbour, photo).status_code == 200


def test_unknown_and_malformed_ids_are_404(world):
    assert fetch(world.resident, "A" * 22).status_code == 404
    assert fetch(world.resident, "not%20an%20id").status_code == 404


# -- wishes and fulfilments reference their author's uploads only ----------------------------


def test_a_wish_cannot_use_someone_elses_photo(app, world):
    theirs = uploaded(world.neighbour)["id"]

    status, body = world.resident.post("/api/v1/wishes", _wish(photos=[theirs]))

    assert status == 422
    assert "photos" in body["error"]["details"]


def test_a_wish_cannot_use_a_photo_id_that_was_never_uploaded(world):
    status, body = world.resident.post("/api/v1/wishes", _wish(photos=["NeverUploaded0000000000"]))

    assert status == 422
    assert "photos" in body["error"]["details"]


def test_the_same_photo_twice_in_one_wish_is_refused(world):
    photo = uploaded(world.resident)["id"]

    status, body = world.resident.post("/api/v1/wishes", _wish(photos=[photo, photo]))

    assert status == 422
    assert "photos" in body["error"]["details"]


def test_a_risky_photo_cannot_be_attached(app, world):
    photo = uploaded(world.resident)["id"]
    with app.app_context():
        db.session.get(Upload, photo).status = "risky"
        db.session.commit()

    status, body = world.resident.post("/api/v1/wishes", _wish(photos=[photo]))

    assert status == 422
    assert body["error"]["code"] == "content_risky"
    assert "photos" in body["error"]["details"]


def test_a_fulfilment_uses_the_claimers_own_photos_only(app, world, wish_in):
    wish = wish_in("claimed")
    residents = uploaded(world.resident)["id"]
    status, body = world.member.post(f"/api/v1/wishes/{wish['id']}/fulfil", {"note": "已送到", "photos": [residents]})
    assert status == 422
    assert "photos" in body["error"]["details"]

    proof = uploaded(world.member)["id"]
    done = act(world.member, wish["id"], "fulfil", {"note": "已送到", "photos": [proof]})

    assert done["fulfil_photos"] == [proof]
    assert fetch(world.resident, proof).status_code == 200  # the owner sees the proof
    assert fetch(world.worker, proof).status_code == 200


def _wish(**overrides) -> dict:
    return {**VALID_WISH, **overrides}


def test_a_second_fetch_with_the_etag_is_304(world):
    photo = uploaded(world.resident)["id"]
    first = fetch(world.resident, photo)

    again = world.resident.client.get(
        f"/api/v1/uploads/{photo}", headers=world.resident._headers({"If-None-Match": first.headers["ETag"]})
    )

    assert again.status_code == 304


# -- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FLASK_UPLOAD_MAX_BYTES", "-1"),
        ("FLASK_UPLOAD_MAX_BYTES", '"5MB"'),
        ("FLASK_PUBLIC_BASE_URL", '"wish.example.cn"'),
        ("FLASK_WECHAT_PUSH_TOKEN", '"has space"'),
        ("FLASK_WECHAT_PUSH_TOKEN", '"x"'),
    ],
)
def test_a_malformed_photo_setting_is_refused_with_its_name(variable, value):
    with pytest.raises(ConfigError, match=variable.removeprefix("FLASK_")):
        settings_from(**{variable: value})


def test_production_refuses_the_development_push_token_and_an_empty_public_base_url():
    with pytest.raises(ConfigError) as refused:
        settings_from("production")

    assert "WECHAT_PUSH_TOKEN" in str(refused.value)
    assert "PUBLIC_BASE_URL" in str(refused.value)
