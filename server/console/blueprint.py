"""The console's blueprint, with the security headers on every answer it makes."""

from flask import Blueprint, request

blp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

SECURITY_HEADERS = {
    # Only the console's own origin: no inline script or style, no outside host, no framing.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


@blp.after_app_request
def _security_headers(response):
    # On the app, not the blueprint: a URL under /console that matches no page gets them too.
    if not request.path.startswith(blp.url_prefix + "/") and request.path != blp.url_prefix:
        return response
    response.headers.update(SECURITY_HEADERS)
    # Pages show personal data: no shared cache keeps them.
    response.headers.setdefault("Cache-Control", "no-store")
    return response
