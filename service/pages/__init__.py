"""The console staff use in the browser: sign-in, intake, batches and billing.

Server-rendered Jinja pages with plain JavaScript (static files only: no inline script or style,
so a strict Content-Security-Policy fits); the scripts call the /api/v1 endpoints with the staff
session and its CSRF token, never with a key.
"""

from flask import Flask, has_request_context, render_template, request
from werkzeug.exceptions import HTTPException

from service import staff, words
from service.clinic import clinic_details
from service.extensions import api
from service.pages import batch_history, billing, intake, settings, signin

BLUEPRINTS = (signin.blp, intake.blp, batch_history.blp, billing.blp, settings.blp)


ERRORS = {
    400: ("Something went wrong", "The page could not use what it was sent. Go back and try again."),
    403: ("Not for your role", "Your account cannot open this page. Ask an admin if you need it."),
    404: ("Not found", "There is nothing here, or no verification has that id."),
}


def register(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.context_processor(_console_context)
    app.register_error_handler(404, _not_found)
    app.add_template_filter(money)
    for said in (words.us_date, words.plain, words.determination, words.program, words.outcome, words.rule):
        app.add_template_filter(said)


def money(value) -> str:
    """$1,234.50, or a dash where the amount is not known."""
    return "—" if value is None else f"${float(value):,.2f}"


def _error_page(error: HTTPException):
    heading, message = ERRORS[error.code]
    return render_template("error.html", heading=heading, message=message), error.code


def _not_found(error: HTTPException):
    """A mistyped console address gets the console's page; the API and its clients keep the API's answer."""
    wanted = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if request.blueprint is None and not request.path.startswith("/api/") and wanted == "text/html":
        return _error_page(error)
    return api.handle_http_exception(error)


def _not_stored(response):
    # Pages show patients' coverage: no browser or proxy may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


def _console_context() -> dict:
    return {
        "staff_user": staff.signed_in() if has_request_context() else None,
        "clinic_name": clinic_details().name if has_request_context() else "",
        "has_role": staff.has_role,
    }


# Wired once, when this module is imported (a blueprint refuses set-up after its first registration).
for _blueprint in BLUEPRINTS:
    _blueprint.after_request(_not_stored)
    for _status in ERRORS:
        _blueprint.register_error_handler(_status, _error_page)
