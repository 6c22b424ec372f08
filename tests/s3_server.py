"""A local S3-protocol server for the object-storage tests: moto's, over real HTTP on a free
loopback port, with one thing added in front of it.

moto (5.2) serves a presigned GET without looking at its signature or its expiry; COS, OSS,
MinIO and S3 refuse an expired or tampered link with 403. ``PresignedLinkCheck`` does what they
do, for requests that carry a query-string signature, before moto sees them: the signature is
computed again with botocore's own SigV4 query signer and the test secret, and the link's
X-Amz-Date + X-Amz-Expires is compared with the real clock. Everything else goes to moto as is.
"""

import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import boto3
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

ACCESS_KEY_ID = "test-access-key"
SECRET_ACCESS_KEY = "test-secret-access-key"
REGION = "ap-guangzhou"
BUCKET = "microwish-photos"


def _s3_error(start_response, code: str, message: str):
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    start_response("403 Forbidden", [("Content-Type", "application/xml")])
    return [body.encode()]


class PresignedLinkCheck:
    """WSGI middleware: refuse a presigned request whose signature or expiry S3 would refuse."""

    def __init__(self, app, secret: str):
        self.app = app
        self.secret = secret

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        params = dict(parse_qsl(query, keep_blank_values=True))
        if "X-Amz-Signature" not in params:
            return self.app(environ, start_response)
        signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if datetime.now(UTC) > signed_at + timedelta(seconds=int(params["X-Amz-Expires"])):
            return _s3_error(start_response, "AccessDenied", "Request has expired")
        if not hmac.compare_digest(self._signature(environ, query, params), params["X-Amz-Signature"]):
            return _s3_error(start_response, "SignatureDoesNotMatch", "The request signature does not match")
        return self.app(environ, start_response)

    def _signature(self, environ, query: str, params: dict) -> str:
        # The query string exactly as signed (still percent-encoded), without the signature.
        unsigned = "&".join(part for part in query.split("&") if not part.startswith("X-Amz-Signature="))
        path = environ.get("RAW_URI", environ["PATH_INFO"]).split("?", 1)[0]
        url = f"http://{environ['HTTP_HOST']}{path}?{unsigned}"
        region = params["X-Amz-Credential"].split("/")[2]
        signer = S3SigV4QueryAuth(Credentials(params["X-Amz-Credential"].split("/")[0], self.secret), "s3", region)
        request = AWSRequest(method=environ["REQUEST_METHOD"], url=url)
        request.context["timestamp"] = params["X-Amz-Date"]
        return signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)


class S3TestServer(ThreadedMotoServer):
    """ThreadedMotoServer with ``PresignedLinkCheck`` in front (its one app-building step redone)."""

    def __init__(self):
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)

    def _server_entry(self) -> None:
        app = PresignedLinkCheck(DomainDispatcherApplication(create_backend_app), SECRET_ACCESS_KEY)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def endpoint_url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def settings(self, **overrides) -> dict:
        """The app settings that put photos in this server's bucket."""
        return {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_BUCKET": BUCKET,
            "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "S3_REGION": REGION,
            "S3_ADDRESSING_STYLE": "path",
            **overrides,
        }

    def client(self):
        """A boto3 client of the tests' own, to look into the bucket independently of the app."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )
