from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.access import home_url, is_safe_next
from app.auth import bp
from app.auth.forms import EmptyForm, LoginForm
from app.extensions import db, login_manager
from app.services.accounts import authenticate, load_user

login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(user_id: str):
    return load_user(int(user_id)) if user_id.isdigit() else None


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("That email and password don't match an account.")
        else:
            session.clear()
            login_user(user)
            db.session.commit()
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else home_url(user))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        session.clear()
        flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))
