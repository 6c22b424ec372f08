"""Flask's cookie session, built only for a request that brings one.

The API authenticates with bearer tokens and never reads ``flask.session``; Flask's default
interface still builds a signing serializer for every request to look for the cookie, about a
tenth of the cheapest request's CPU. A request without the cookie now gets an empty session
at once; one with it (a future console page) is read and verified exactly as before.
"""

from flask.sessions import SecureCookieSessionInterface


class CookieSessionOnlyWhenSent(SecureCookieSessionInterface):
    def open_session(self, app, request):
        # No Cookie header at all (every mini-program request): not even the cookies parsed.
        if "HTTP_COOKIE" not in request.environ or app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
