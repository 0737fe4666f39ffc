"""Unsubscribing from reminder emails with the signed link in every email, without logging in.

GET shows a confirmation page and only the POST unsubscribes: mail security scanners and link
previewers follow GET links, and must not unsubscribe anyone. The List-Unsubscribe header
points at the one-click endpoint (RFC 8058): mail clients POST to it without a form, so it is
exempt from CSRF; the unforgeable token is what authorises it."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_wtf import FlaskForm

from lms.accounts.models import User
from lms.errors import abort_with
from lms.extensions import csrf, db
from lms.reminders import services
from lms.reminders.tokens import user_id_from_token

bp = Blueprint("reminders", __name__, url_prefix="/reminders")


def user_for_token(token):
    user_id = user_id_from_token(token)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        abort_with(404, _("This unsubscribe link is not valid. Use the whole link from the email, "
                          "or change your email settings on your account page."))
    return user


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    user = user_for_token(token)
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort_with(400, _("The form expired. Reload the page and try again."))
        services.set_reminders_opt_out(user, True)
        db.session.commit()
        page = render_template_in(user, "reminders/unsubscribed.html")
    else:
        page = render_template_in(user, "reminders/unsubscribe.html", form=form, already=user.reminders_opt_out)
    return page


def render_template_in(user, template, **context):
    """In the learner's language, as the email the link came in was."""
    with force_locale(user.locale or "en"):
        return render_template(template, **context)


@bp.route("/unsubscribe/<token>/one-click", methods=["GET", "POST"])
@csrf.exempt
def one_click_unsubscribe(token):
    user = user_for_token(token)
    if request.method == "GET":  # a client that opens the header's link in a browser
        return redirect(url_for("reminders.unsubscribe", token=token))
    if request.form.get("List-Unsubscribe") != "One-Click":
        abort_with(400, _("This address only accepts one-click unsubscribe requests from mail programs."))
    services.set_reminders_opt_out(user, True)
    db.session.commit()
    return _("You are unsubscribed from reminder emails."), 200, {"Content-Type": "text/plain; charset=utf-8"}
