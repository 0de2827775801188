"""Flask's signed-cookie sessions, except that a request without the cookie (every API call, made with a
key) gets its empty session without building the cookie's signer: a twentieth of a cached POST's Python
calls. A session that is then written to is signed and set as Flask's own would be."""

from flask.sessions import SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
