from flask import Blueprint, abort, render_template

from app.services.guides import guide_by_slug, list_guides

bp = Blueprint("guides", __name__, url_prefix="/guides")


@bp.get("/")
def index():
    return render_template("guides/index.html", guides=list_guides())


@bp.get("/<slug:slug>")
def guide(slug: str):
    found = guide_by_slug(slug)
    if found is None:
        abort(404)
    return render_template("guides/guide.html", guide=found)
