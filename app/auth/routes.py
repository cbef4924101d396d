
from flask import flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from app.access import audit_request, home_url, is_safe_next, limit_from, start_sign_in
from app.auth import bp
from app.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    EmptyForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
)
from app.extensions import csrf, limiter, login_manager
from app.forms import status_of
from app.mail_queue import queue_reset
from app.services import DomainError
from app.services.accounts import (
    authenticate,
    change_password,
    end_sign_ins,
    user_by_email,
    user_of_sign_in,
)
from app.services.crisis import quick_exit_url
from app.services.invitations import InvalidLink, accept, couple_of_invitation, invitation_from_link
from app.services.policies import NOT_REAL_TIME, policy_sentences
from app.services.resets import complete_reset, reset_from_link
from app.transactions import audit_lasting

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = None  # our own per-user session token does this job


@login_manager.user_loader
def _load_user(session_id: str):
    return user_of_sign_in(session_id)


def _typed_email() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def _sign_in_refused(response) -> bool:
    # A sign-in that worked redirects; a refused one shows the form again (422).
    return request.method == "POST" and response.status_code == 422


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for("auth.sign_in"))


@bp.get("/login")
def former_sign_in_address():
    """Bookmarks of the address the sign-in page had before it was /sign-in."""
    return redirect(url_for("auth.sign_in", **request.args), code=301)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    limit_from("SIGN_IN_LIMIT_ACCOUNT_ADDRESS"),
    key_func=lambda: f"{_typed_email()}|{get_remote_address()}",
    methods=["POST"],
    deduct_when=_sign_in_refused,
    scope="sign-in-account-address",
)
@limiter.limit(
    limit_from("SIGN_IN_LIMIT_ADDRESS"),
    methods=["POST"],
    deduct_when=_sign_in_refused,
    scope="sign-in-address",
)
@limiter.limit(
    limit_from("SIGN_IN_LIMIT_ACCOUNT"),
    key_func=_typed_email,
    methods=["POST"],
    deduct_when=_sign_in_refused,
    scope="sign-in-account",
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            audit_lasting("sign_in.failed", user_by_email(form.email.data))
            form.password.errors.append("That email and password don't match an account.")
        else:
            session.clear()
            login_user(user)
            start_sign_in(user)
            audit_request("sign_in.succeeded", user, actor=user)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else home_url(user))
    return render_template("auth/sign_in.html", form=form), status_of(form)


@bp.post("/sign-out")
@login_required
def sign_out():
    if EmptyForm().validate_on_submit():
        user = current_user._get_current_object()
        end_sign_ins(user)
        audit_request("sign_out", user)
        logout_user()
        session.clear()
        flash("You have signed out.", "info")
    return redirect(url_for("auth.sign_in"))


def _sent_from_this_site() -> bool:
    """Whether the browser says this POST came from one of our own pages (Sec-Fetch-Site,
    or Origin for a browser that sends no fetch metadata); no other site can forge either."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    return origin is not None and origin == request.host_url.rstrip("/")


@bp.post("/quick-exit")
@csrf.exempt
def quick_exit():
    """Leave at once: end the sign-in as sign_out does, then move on to the practice's
    neutral site.

    Called by static/js/quick-exit.js (which then replaces the page itself) and, without
    JavaScript, by the Quick exit form. A page of an older sign-in in this browser carries
    a token that no longer matches, and the person must still get out: a request our own
    page sent is enough; one from another site is refused like any form without a token.
    The answer is a blank page that moves on with a meta refresh rather than a redirect:
    the portal's CSP (form-action 'self') makes Chromium block a form's redirect to
    another site.
    """
    try:
        validate_csrf(request.form.get("csrf_token") or request.headers.get("X-CSRFToken"))
    except ValidationError as error:
        if not _sent_from_this_site():
            raise CSRFError(str(error)) from None
    destination = quick_exit_url(None)
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        destination = quick_exit_url(user.practice_id)
        end_sign_ins(user)
        audit_request("sign_out", user)
        logout_user()
    session.clear()
    return render_template("auth/today.html", destination=destination)


@bp.get("/today")
def today():
    """A page that looks like nothing in particular: where the quick exit leads in the
    installed app, which has no other site to open."""
    return render_template("auth/today.html", destination=None)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(limit_from("INVITATION_LIMIT"), methods=["POST"])
def accept_invitation(token: str):
    try:
        invitation = invitation_from_link(token)
    except InvalidLink as error:
        return render_template("auth/link_invalid.html", message=str(error)), 400
    couple = couple_of_invitation(invitation)
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.timezone.data = couple.timezone if couple else invitation.user.timezone
    if form.validate_on_submit():
        try:
            user = accept(
                invitation,
                password=form.password.data,
                timezone=form.timezone.data,
                accepts_policy=form.accepts_policy.data,
            )
        except DomainError as error:
            field = form.accepts_policy if "accept" in str(error) else form.password
            field.errors.append(str(error))
        else:
            audit_request("invitation.accepted", invitation, actor=user)
            if couple is not None:
                audit_request("policy.accepted", couple, actor=user,
                              policy=couple.confidentiality_policy)
            session.clear()
            login_user(user)
            start_sign_in(user)
            flash("Welcome to Rekindle. Your account is ready.", "info")
            return redirect(home_url(user))
    return render_template(
        "auth/accept_invitation.html",
        form=form,
        invitation=invitation,
        couple=couple,
        policy_sentences=policy_sentences(couple) if couple else [],
        not_real_time=NOT_REAL_TIME,
    ), status_of(form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(limit_from("RESET_LIMIT"), methods=["POST"], key_func=_typed_email,
               scope="reset-account")
@limiter.limit(limit_from("SIGN_IN_LIMIT_ADDRESS"), methods=["POST"], scope="reset-address")
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        # The same work for any address: one outbox row; the task decides what to send.
        queue_reset(form.email.data)
        return render_template("auth/reset_sent.html")
    return render_template("auth/reset_request.html", form=form), status_of(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        reset = reset_from_link(token)
    except InvalidLink as error:
        return render_template("auth/link_invalid.html", message=str(error)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = complete_reset(reset, form.password.data)
        except DomainError as error:
            form.password.errors.append(str(error))
        else:
            audit_request("password_reset.used", user, actor=user)
            session.clear()
            login_user(user)
            start_sign_in(user)
            flash("Your password has been changed. You were signed out everywhere else.", "info")
            return redirect(home_url(user))
    return render_template("auth/reset_password.html", form=form), status_of(form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_own_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current.data, form.password.data)
        except DomainError as error:
            target = form.current if "current" in str(error) else form.password
            target.errors.append(str(error))
        else:
            audit_request("password.changed", user)
            login_user(user)  # this browser carries the new token; every other one is out
            start_sign_in(user)
            flash("Your password has been changed. You were signed out everywhere else.", "info")
            return redirect(home_url(user))
    return render_template("auth/change_password.html", form=form), status_of(form)
