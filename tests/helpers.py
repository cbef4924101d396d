"""Helpers shared by test modules (test modules never import each other): the access
matrix of every route and role, the `world` it is walked in, and signing a client in."""

from __future__ import annotations

import datetime as dt
import hashlib
from html.parser import HTMLParser

import sqlalchemy as sa

from app.clock import now, today_in
from app.models import Invitation, MailOutbox, Report
from app.services.crisis import add_crisis_line
from app.services.homework import Schedule, assign_exercise, log_entry
from app.services.own_exercises import create_own_exercise
from app.services.practice import invite_clinician
from app.services.sessions import schedule_session

ROLES = (
    "anonymous",
    "partner",
    "other_partner",
    "foreign_partner",
    "other_therapist",
    "foreign_therapist",
    "therapist",
    "admin",
)

# Open to anyone; they reveal nothing that belongs to a user.
PUBLIC = {
    "static",
    "auth.index",
    "auth.sign_in",
    "auth.former_sign_in_address",
    "auth.accept_invitation",
    "auth.reset_request",
    "auth.reset_password",
    "guides.index",
    "guides.guide",
    "health.healthz",
    "health.readyz",
    "auth.today",  # the quick exit's neutral page: names nothing, holds nothing
}


def only(allowed: dict[str, int], *, anonymous: int = 302, others: int = 404) -> dict:
    """Expected statuses: the allowed roles as given, anonymous sent to sign in, others 404."""
    expected = {role: others for role in ROLES}
    expected["anonymous"] = anonymous
    expected.update(allowed)
    return expected


SIGNED_IN = {role: 200 for role in ROLES if role != "anonymous"}
PARTNERS = {"partner": 200, "other_partner": 200, "foreign_partner": 200}
THERAPIST_GET = only({"therapist": 200})
THERAPIST_POST = only({"therapist": 302})

# endpoint -> (method, url template, expected status per role)
MATRIX: dict[str, tuple[str, str, dict[str, int]]] = {
    "auth.sign_out": ("POST", "/sign-out", only({r: 302 for r in SIGNED_IN})),
    "auth.change_own_password": ("GET", "/account/password", only(SIGNED_IN)),
    "client.welcome": ("GET", "/portal/", only(PARTNERS)),
    "client.help": ("GET", "/portal/help", only(PARTNERS)),
    "therapist.caseload": (
        "GET", "/therapist/", only({"therapist": 200, "other_therapist": 200,
                                    "foreign_therapist": 200})),
    "therapist.new_couple": (
        "GET", "/therapist/couples/new", only({"therapist": 200, "other_therapist": 200,
                                               "foreign_therapist": 200})),
    "therapist.couple": ("GET", "/therapist/couples/{couple}", THERAPIST_GET),
    "therapist.couple_audit": ("GET", "/therapist/couples/{couple}/audit", THERAPIST_GET),
    "therapist.invite": (
        "POST", "/therapist/couples/{couple}/partners/1/invite", THERAPIST_POST),
    "therapist.resend_invitation": (
        "POST", "/therapist/couples/{couple}/invitations/{invitation}/resend", THERAPIST_POST),
    "therapist.revoke_invitation": (
        "POST", "/therapist/couples/{couple}/invitations/{invitation}/revoke", THERAPIST_POST),
}
ALL_THERAPISTS = {"therapist": 200, "other_therapist": 200, "foreign_therapist": 200}
MATRIX.update({
    "therapist.own_exercises": ("GET", "/therapist/exercises", only(ALL_THERAPISTS)),
    "therapist.new_exercise": ("GET", "/therapist/exercises/new", only(ALL_THERAPISTS)),
    "therapist.own_exercise": ("GET", "/therapist/exercises/{exercise}", THERAPIST_GET),
    "therapist.edit_exercise": ("GET", "/therapist/exercises/{exercise}/edit", THERAPIST_GET),
    "therapist.archive_exercise": (
        "POST", "/therapist/exercises/{exercise}/archive", THERAPIST_POST),
})
MATRIX.update({
    "client.log": ("GET", "/portal/homework/{assignment}/{today}",
                   only({"partner": 200, "other_partner": 200})),
    "client.exercise": ("GET", "/portal/homework/{assignment}",
                        only({"partner": 200, "other_partner": 200})),
    "therapist.choose_couple": ("GET", "/therapist/assign?exercise={exercise}", THERAPIST_GET),
    "therapist.assign": (
        "GET", "/therapist/couples/{couple}/assign?exercise={exercise}", THERAPIST_GET),
    "therapist.pause_assignment": (
        "POST", "/therapist/assignments/{assignment}/pause", THERAPIST_POST),
    "therapist.resume_assignment": (
        "POST", "/therapist/assignments/{assignment}/resume", THERAPIST_POST),
    "therapist.end_assignment": (
        "POST", "/therapist/assignments/{assignment}/end", THERAPIST_POST),
    "therapist.edit_assignment": (
        "GET", "/therapist/assignments/{assignment}/edit", THERAPIST_GET),
    "therapist.change_couple_policy": (
        "POST", "/therapist/couples/{couple}/policy", THERAPIST_POST),
    "client.accept_current_policy": (
        "POST", "/portal/policy/accept",
        only({"partner": 302, "other_partner": 302, "foreign_partner": 302})),
    "client.autosave": ("POST", "/portal/homework/{assignment}/{today}/draft",
                        only({"partner": 200, "other_partner": 200})),
    # Only the author: the other partner gets the same 404 as a stranger.
    "client.entry_visibility": (
        "POST", "/portal/entries/{entry}/visibility", only({"partner": 302})),
})
MATRIX.update({
    # The author's confirmation before sharing; for anyone else, not found.
    "client.confirm_sharing": ("GET", "/portal/entries/{entry}/share", only({"partner": 200})),
    "client.acknowledge_sharing_change": (
        "POST", "/portal/sharing-notice/seen",
        only({"partner": 302, "other_partner": 302, "foreign_partner": 302})),
    "therapist.change_completion_sharing": (
        "POST", "/therapist/couples/{couple}/completion-sharing", THERAPIST_POST),
})
MATRIX.update({
    "therapist.new_session": (
        "GET", "/therapist/couples/{couple}/sessions/new", THERAPIST_GET),
    "therapist.session": ("GET", "/therapist/sessions/{session}", THERAPIST_GET),
    # Posted with only a CSRF token: the allowed therapist gets the form back with errors.
    "therapist.record": ("POST", "/therapist/sessions/{session}/record",
                         only({"therapist": 422})),
    "therapist.move": ("POST", "/therapist/sessions/{session}/schedule",
                       only({"therapist": 422})),
    "therapist.create_report": ("POST", "/therapist/sessions/{session}/reports",
                                only({"therapist": 422})),
    "therapist.cancel": ("POST", "/therapist/sessions/{session}/cancel", THERAPIST_POST),
    "therapist.download_report": ("GET", "/therapist/reports/{report}", THERAPIST_GET),
    "client.measure": ("GET", "/portal/measures/{session}",
                       only({"partner": 200, "other_partner": 200})),
})
MATRIX.update({
    # The safety hold (issue 13 point 4): the couple of the world is not on hold, so the
    # page to lift it leads back to the couple page.
    "therapist.start_safety_hold": (
        "GET", "/therapist/couples/{couple}/safety-hold/start", THERAPIST_GET),
    "therapist.lift_safety_hold": (
        "GET", "/therapist/couples/{couple}/safety-hold/lift", only({"therapist": 302})),
    # The private safety check: each partner's own (none names a check; the world's
    # partners have not answered, so the check is due for each and adding leads to it).
    "client.safety_check": ("GET", "/portal/for-you", only(PARTNERS)),
    "client.safety_not_now": (
        "POST", "/portal/for-you/not-now",
        only({"partner": 302, "other_partner": 302, "foreign_partner": 302})),
    "client.safety_thanks": ("GET", "/portal/for-you/thanks", only(PARTNERS)),
    "client.safety_more": (
        "GET", "/portal/for-you/more",
        only({"partner": 302, "other_partner": 302, "foreign_partner": 302})),
    "therapist.private_answers_page": (
        "GET", "/therapist/couples/{couple}/private-answers", THERAPIST_GET),
    "therapist.change_check_schedule": (
        "POST", "/therapist/couples/{couple}/safety-check-schedule", THERAPIST_POST),
})
ADMIN_GET = only({"admin": 200})
ADMIN_POST = only({"admin": 302})
MATRIX.update({
    "admin.overview": ("GET", "/admin/", ADMIN_GET),
    "admin.clinicians": ("GET", "/admin/clinicians", ADMIN_GET),
    "admin.invite_clinician": ("GET", "/admin/clinicians/invite", ADMIN_GET),
    "admin.couples": ("GET", "/admin/couples", ADMIN_GET),
    "admin.settings": ("GET", "/admin/settings", ADMIN_GET),
    "admin.audit": ("GET", "/admin/audit", ADMIN_GET),
    "admin.set_clinician_roles": ("POST", "/admin/clinicians/{clinician}/roles", ADMIN_POST),
    "admin.deactivate": ("POST", "/admin/clinicians/{clinician}/deactivate", ADMIN_POST),
    "admin.activate": ("POST", "/admin/clinicians/{clinician}/activate", ADMIN_POST),
    "admin.move_couple": ("POST", "/admin/couples/{couple}/therapist", ADMIN_POST),
    "admin.resend_invitation": (
        "POST", "/admin/invitations/{clinician_invitation}/resend", ADMIN_POST),
    "admin.revoke_invitation": (
        "POST", "/admin/invitations/{clinician_invitation}/revoke", ADMIN_POST),
})

# Issue 13, points 6 and 7: the quick exit (anyone may leave; it signs out who is signed in)
# and the admin's crisis resources.
MATRIX.update({
    "auth.quick_exit": ("POST", "/quick-exit", {role: 200 for role in ROLES}),
    "admin.crisis_resources": ("GET", "/admin/crisis-resources", ADMIN_GET),
    "admin.safety_settings": ("POST", "/admin/crisis-resources/settings",
                              only({"admin": 422})),
    "admin.edit_crisis_line": ("GET", "/admin/crisis-resources/{crisis_line}/edit", ADMIN_GET),
    "admin.remove_crisis_line": (
        "POST", "/admin/crisis-resources/{crisis_line}/remove", ADMIN_POST),
    "admin.move_crisis_line": (
        "POST", "/admin/crisis-resources/{crisis_line}/move", ADMIN_POST),
})

# Issue 14, point 2: emails that failed after their retries, listed for admins and retried.
MATRIX.update({
    "admin.failed_mail": ("GET", "/admin/mail", ADMIN_GET),
    "admin.retry_mail": ("POST", "/admin/mail/{mail}/retry", ADMIN_POST),
})


def build_world(db, make_practice, make_user, make_couple) -> tuple[dict, dict]:
    """The users by role and the ids the MATRIX's URLs name, in two practices: ours (admin,
    the therapist, another therapist, the couple) and a foreign one (its therapist and
    couple)."""
    practice = make_practice("Ours")
    admin = make_user(("admin",), practice=practice)
    therapist = make_user(("therapist",), practice=practice)
    other_therapist = make_user(("therapist",), practice=practice)
    couple = make_couple(therapist)
    foreign_therapist = make_user(("therapist",), practice=make_practice("Theirs"))
    foreign_couple = make_couple(foreign_therapist)
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.couple_id == couple.id).limit(1))
    clinician_invitation = invite_clinician(
        admin, email="new-clinician@example.org", name="New Clinician", roles={"therapist"}
    ).invitation
    exercise = create_own_exercise(therapist, {
        "title": "Listen", "instructions": "Listen.", "prompts": ["What did you hear?"],
        "cadence": "weekly"})
    today = today_in("UTC")
    assignment = assign_exercise(
        therapist, couple, exercise, mode="both",
        schedule=Schedule(start=today - dt.timedelta(days=3), cadence="daily"))
    entry = log_entry(couple.partners[0].user, couple, assignment, today, completion="done",
                      answers=["private words"])
    session = schedule_session(therapist, couple, now() + dt.timedelta(days=2),
                               request_measure=True)
    content = b"%PDF-1.7 stand-in"
    report = Report(couple_id=couple.id, session_id=session.id, audience="clinician",
                    period_start=today, period_end=today, content=content,
                    sha256=hashlib.sha256(content).hexdigest(), byte_size=len(content),
                    page_count=1, generated_by_id=therapist.id)
    db.session.add(report)
    crisis_line = add_crisis_line(admin, practice, name="A helpline", number="0800 000 000",
                                  hours=None, url=None)
    mail = failed_mail_row(db, therapist)
    db.session.commit()
    users = {
        "partner": couple.partners[0].user,
        "other_partner": couple.partners[1].user,
        "foreign_partner": foreign_couple.partners[0].user,
        "other_therapist": other_therapist,
        "foreign_therapist": foreign_therapist,
        "therapist": therapist,
        "admin": admin,
    }
    ids = {"couple": couple.id, "invitation": invitation.id, "clinician": other_therapist.id,
           "user": other_therapist.id, "clinician_invitation": clinician_invitation.id,
           "exercise": exercise.id, "assignment": assignment.id, "today": today.isoformat(),
           "entry": entry.id, "session": session.id, "report": report.id,
           "crisis_line": crisis_line.id, "mail": mail.id}
    return users, ids


def failed_mail_row(db, user, error: str = "the mail server did not accept the message"):
    """An email to `user` that failed after its retries, as the admins' list shows it."""
    row = MailOutbox(kind="attention", recipient=user.email, practice_id=user.practice_id,
                     user_id=user.id, status="failed", attempts=5, last_error=error,
                     claimed_at=now())
    db.session.add(row)
    db.session.flush()
    return row


def sign_in(client, user) -> None:
    """Mark a test client's session as signed in as this user (the shortcut, not the form)."""
    stamp = now().timestamp()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_auth_at"] = stamp
        session["_seen_at"] = stamp


# --- reading pages -----------------------------------------------------------------------


class Table(HTMLParser):
    """A page's table bodies as rows of cell texts, and its column headers (with their
    aria-sort and link)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.headers: list[dict[str, str | None]] = []
        self._cell: list[str] | None = None
        self._in_body = False
        self._header: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._cell is not None:
            self._cell.append(" ")  # list items and the like read as separate words
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []
        elif tag == "th" and not self._in_body:
            self._header = {"aria-sort": attributes.get("aria-sort"), "href": None, "text": ""}
        elif tag == "a" and self._header is not None:
            self._header["href"] = attributes.get("href")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "th" and self._header is not None:
            self._header["text"] = " ".join(self._header["text"].split())
            self.headers.append(self._header)
            self._header = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._header is not None:
            self._header["text"] += data


def table(html: str) -> Table:
    """The tables of a page, read as rows of cell texts."""
    parser = Table()
    parser.feed(html)
    return parser
