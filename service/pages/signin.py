"""Signing staff in and out (/login, /logout), and / sending each to the page their role starts on."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from service import rate_limits, staff
from service.extensions import csrf

blp = Blueprint("signin", __name__)


class SignInForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])


@blp.route("/")
def home():
    user = staff.signed_in()
    if user is None:
        return redirect(url_for("signin.sign_in"))
    return redirect(url_for("billing_pages.review" if user.role == "billing" else "intake.console"))


@blp.route("/login", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    problem, status, headers = None, 200, {}
    if form.validate_on_submit():
        username = form.username.data
        if (wait := rate_limits.sign_in_wait(username)) is not None:
            problem, status = f"Too many failed sign-ins for this account: try again in {wait} s.", 429
            headers["Retry-After"] = str(wait)
        else:
            user = staff.authenticate(username, form.password.data)
            rate_limits.count_sign_in(username, succeeded=user is not None)
            if user is not None:
                staff.sign_in(user)
                return redirect(staff.local_path(request.args.get("next")) or url_for("signin.home"))
            problem, status = "That username and password do not match an active account.", 401
    elif form.csrf_token.errors:
        problem, status = "The sign-in form expired. Please try again.", 401
    return render_template("signin.html", form=form, problem=problem), status, headers


@blp.route("/logout", methods=["POST"])
def sign_out():
    try:
        csrf.protect()
    except CSRFError:
        abort(400)
    staff.sign_out()
    return redirect(url_for("signin.sign_in"))
