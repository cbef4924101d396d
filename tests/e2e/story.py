"""The couple the journeys follow, built through the services, and helpers for the browser.

Each journey test starts from the state it needs (a couple, their homework, their entries,
a session) made here through the same services the app uses, then does its own step in the
browser as a person would. The clock is frozen on a fixed week so that days, dates and
screenshots are the same on every run.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from app.extensions import db
from app.models import Assignment, Couple, Exercise, TherapySession, User
from app.services.couples import PartnerDetails, create_couple
from app.services.guides import load_builtin_guides
from app.services.homework import Schedule, assign_exercise, log_entry
from app.services.invitations import accept
from app.services.measures import submit_csi4
from app.services.sessions import schedule_session
from tests.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Auto-waiting assertions get room for a loaded 2-core machine (the default is 5 s).
expect.set_options(timeout=15_000)

# The demo practice's Friday (11:00 in New York), the day its journeys are told.
DEMO_NOW = dt.datetime(2026, 3, 20, 15, 0, tzinfo=dt.UTC)

# The story's calendar (UTC, the couple's and everyone's timezone).
CREATED = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)  # a Monday: the couple joins
START = dt.date(2026, 3, 16)  # the Monday homework starts: "some days back"
TODAY = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)  # the Friday the partners write
SESSION_AT = dt.datetime(2026, 3, 23, 17, 0, tzinfo=dt.UTC)  # the next session, a Monday
AFTER_SESSION = dt.datetime(2026, 3, 23, 18, 30, tzinfo=dt.UTC)

THERAPIST = ("Dr. Noor Haddad", "noor@example.org")
MAYA = ("Maya Okafor", "maya@example.org")
LEO = ("Leo Brandt", "leo@example.org")
COUPLE_NAME = "Maya & Leo"

CHECK_IN = "Create daily check-in moments"
CHECK_IN_PROMPT = "What did you learn about how your partner's day really went?"
DATES = "Plan intentional dates"
DATES_PROMPT = "What felt new or exciting about this date?"
ENJOYED = "How much did you enjoy the time together?"
CONNECTED = "How connected did you feel?"

# What each partner wrote, as the services record it for the later journeys.
MAYA_SHARED = "Leo asked about the visit of my sister and really listened"
MAYA_PRIVATE = "I still resent how the holiday plans were made without me"
LEO_SHARED = "Maya laughed at my story about the bus driver and the goose"
LEO_PRIVATE = "I am afraid that talking about money will end in shouting"
MAYA_DATE = "The night market was noisy and fun, like our first year"
LEO_DATE = "Too crowded for me, I wanted to leave after ten minutes"
MAYA_CSI4 = [4, 4, 3, 4]  # 15
LEO_CSI4 = [2, 2, 2, 1]  # 7, below the 13.5 cutoff


@dataclass
class Story:
    therapist: User
    couple: Couple
    maya: User
    leo: User
    check_in: Assignment | None = None
    dates: Assignment | None = None
    session: TherapySession | None = None


def exercise(slug: str) -> Exercise:
    found = db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))
    assert found is not None, slug
    return found


def couple_of(therapist: User, name: str, people, *, policy: str = "limited") -> Couple:
    """A couple whose partners accepted their invitations (and the policy) with PASSWORD."""
    created = create_couple(
        therapist, name=name, partners=[PartnerDetails(n, e) for n, e in people],
        timezone="UTC", policy=policy,
    )
    for outgoing in created.outgoing:
        accept(outgoing.invitation, password=PASSWORD, timezone="UTC", accepts_policy=True)
    db.session.flush()
    return created.couple


def build_story(clock, make_therapist, *, homework=True, entries=False, csi4=False) -> Story:
    """Maya and Leo, two weeks with Dr. Haddad; optionally their homework (from START) and
    next session (with the CSI-4), what they wrote this week, and their CSI-4 answers.
    Leaves the clock on TODAY."""
    clock.set(CREATED)
    load_builtin_guides()
    therapist = make_therapist(name=THERAPIST[0], email=THERAPIST[1])
    couple = couple_of(therapist, COUPLE_NAME, [MAYA, LEO])
    maya, leo = (p.user for p in sorted(couple.partners, key=lambda p: p.position))
    story = Story(therapist, couple, maya, leo)
    db.session.commit()
    clock.set(TODAY)
    if homework:
        story.check_in = assign_exercise(
            therapist, couple, exercise("daily-check-in"), mode="both",
            schedule=Schedule(start=START, cadence="daily"))
        story.dates = assign_exercise(
            therapist, couple, exercise("intentional-dates"), mode="joint",
            schedule=Schedule(start=START, cadence="weekly"))
        story.session = schedule_session(therapist, couple, SESSION_AT, request_measure=True)
        db.session.commit()
    if entries:
        wed, thu = START + dt.timedelta(days=2), START + dt.timedelta(days=3)
        for user, shared, private in ((maya, MAYA_SHARED, MAYA_PRIVATE),
                                      (leo, LEO_SHARED, LEO_PRIVATE)):
            log_entry(user, couple, story.check_in, wed, completion="done",
                      answers=[shared, ""], ratings=[8], visibility="partner")
            log_entry(user, couple, story.check_in, thu, completion="partly",
                      answers=[private, ""], ratings=[5], visibility="therapist")
        # The joint date, experienced very differently: 9 and 4 are 3+ apart.
        log_entry(maya, couple, story.dates, START, completion="done",
                  answers=[MAYA_DATE, ""], ratings=[9, 9], visibility="partner")
        log_entry(leo, couple, story.dates, START, completion="done",
                  answers=[LEO_DATE, ""], ratings=[4, 5], visibility="partner")
        db.session.commit()
    if csi4:
        submit_csi4(maya, story.session, MAYA_CSI4)
        submit_csi4(leo, story.session, LEO_CSI4)
        db.session.commit()
    return story


# --- in the browser --------------------------------------------------------------------


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def shoot(page, name: str, *, screen_height: int | None = None) -> Path:
    """A full-page screenshot in test-artifacts/; with screen_height, also NAME-screen.png:
    the top of the page as a screen that tall shows it (the kind docs/ keeps)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if screen_height:
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": screen_height})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / f"{name}-screen.png"))
        page.set_viewport_size(size)
    return path


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def day_name(day: dt.date) -> str:
    """A day as the portal's links spell it: "Wednesday 18 March"."""
    return day.strftime("%A %d %B")


def pdf_text(content: bytes) -> str:
    """A PDF's text, whitespace flattened so wrapped lines read as one."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def assert_back_shows_nothing_of(page, words) -> None:
    """After a quick exit, Back brings none of these words back (at most the sign-in page)."""
    page.go_back()
    page.wait_for_load_state()
    text = page.locator("body").inner_text()
    for word in words:
        assert word not in text, word
    assert "/portal" not in page.url or "/sign-in" in page.url
