"""The whole journey in a real Chromium: a therapist and a couple doing the job, screen by
screen, as people do it (labels and roles, never CSS paths).

Each step is its own test. What came before it is built through the services
(tests/e2e/story.py), so a test fails for its own step and can run alone.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from app.services.homework import Schedule, assign_exercise, log_entry
from app.services.reports import produce_report
from tests.conftest import PASSWORD
from tests.e2e.story import (
    AFTER_SESSION,
    CHECK_IN,
    CHECK_IN_PROMPT,
    CONNECTED,
    COUPLE_NAME,
    DATES,
    DATES_PROMPT,
    ENJOYED,
    LEO,
    LEO_CSI4,
    LEO_DATE,
    LEO_PRIVATE,
    LEO_SHARED,
    MAYA,
    MAYA_CSI4,
    MAYA_DATE,
    MAYA_PRIVATE,
    MAYA_SHARED,
    START,
    THERAPIST,
    TODAY,
    build_story,
    couple_of,
    day_name,
    exercise,
    log_in,
    pdf_text,
    scroll_width,
    shoot,
)

pytestmark = pytest.mark.browser

LEO_OWN = "Saying it without blame felt strange, and it worked"

WED, THU, FRI = (START + dt.timedelta(days=n) for n in (2, 3, 4))
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def open_page(browser, live_server):
    """open_page(phone=False): a new person at their own browser (own cookies)."""
    contexts = []

    def _open(*, phone: bool = False):
        context = browser.new_context(base_url=live_server, bypass_csp=True,
                                      accept_downloads=True, **(PHONE if phone else {}))
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def flash(page, text: str):
    return page.get_by_role("status").filter(has_text=text)


# --- 1. the therapist adds the couple; each partner joins from the real email -----------


def test_therapist_creates_a_couple_and_each_partner_joins_from_the_email(
        db, clock, make_therapist, mailbox, open_page):
    clock.set(TODAY)
    make_therapist(name=THERAPIST[0], email=THERAPIST[1])
    therapist = open_page()
    log_in(therapist, THERAPIST[1])
    expect(therapist.get_by_role("heading", name="Your couples")).to_be_visible()
    therapist.get_by_role("link", name="Add a couple").click()

    therapist.get_by_label("Couple's name, as you will see it").fill(COUPLE_NAME)
    therapist.get_by_label("First partner's name").fill(MAYA[0])
    therapist.get_by_label("First partner's email").fill(MAYA[1])
    therapist.get_by_label("Second partner's name").fill(LEO[0])
    therapist.get_by_label("Second partner's email").fill(LEO[1])
    therapist.get_by_label(re.compile(r"^Limited")).check()
    therapist.get_by_role("button", name="Create and send invitations").click()

    expect(flash(therapist, "both partners were sent an invitation")).to_be_visible()
    expect(therapist.get_by_role("heading", name=COUPLE_NAME, level=1)).to_be_visible()
    expect(therapist.get_by_text("Limited: written entries are private to you")).to_be_visible()
    expect(therapist.get_by_text("Each partner sees whether the other did the homework given "
                                 "to both of them").first).to_be_visible()
    partners = therapist.get_by_role("region", name="Partners")
    expect(partners.get_by_text("Invitation sent")).to_have_count(2)

    for name, email in (MAYA, LEO):
        link = mailbox.link_to(email, "/invitation/")
        partner = open_page(phone=True)
        partner.goto(link)
        first = name.split(" ")[0]
        expect(partner.get_by_role("heading", name=f"Welcome, {first}")).to_be_visible()
        expect(partner.get_by_text(email)).to_be_visible()
        policy = partner.get_by_role("region", name="How privacy works in your couple's space")
        expect(policy).to_contain_text("limited policy")
        partner.get_by_label("New password").fill(PASSWORD)
        partner.get_by_label("Type it again").fill(PASSWORD)
        partner.get_by_label("I have read how privacy works").check()
        partner.get_by_role("button", name="Create my account").click()
        expect(flash(partner, "Your account is ready")).to_be_visible()
        expect(partner.get_by_role("heading", name=f"Hello, {first}")).to_be_visible()
        # The link is single-use.
        partner.goto(link)
        expect(partner.get_by_text("This invitation has already been used.")).to_be_visible()

    therapist.reload()
    expect(partners.get_by_text("Joined")).to_have_count(2)
    assert len(mailbox.messages) == 2  # one invitation each, nothing else


# --- 2. homework, given from the couple's page ---------------------------------------------


def give(page, title: str, *, who: str, start: dt.date, how_often: str) -> None:
    page.get_by_label("Give an exercise").select_option(label=title)
    page.locator("form").filter(has=page.get_by_label("Give an exercise")).get_by_role(
        "button", name="Continue").click()
    expect(page.get_by_role("heading", name=f"Give “{title}”")).to_be_visible()
    page.get_by_label(who).check()
    page.get_by_label("Starting on").fill(start.isoformat())
    page.get_by_label(how_often, exact=True).check()
    page.get_by_label("A personal note for the couple (optional)").fill(
        "Keep it light; it is practice, not a test.")
    page.get_by_role("button", name="Give this homework").click()
    expect(flash(page, "Homework given: 1 exercise.")).to_be_visible()


def test_therapist_gives_homework_from_days_back_and_schedules_the_next_session(
        db, clock, make_therapist, open_page):
    story = build_story(clock, make_therapist, homework=False)
    page = open_page()
    log_in(page, THERAPIST[1])
    page.get_by_role("link", name=COUPLE_NAME).click()
    expect(page.get_by_role("heading", name=COUPLE_NAME, level=1)).to_be_visible()
    expect(page.get_by_text("No homework yet.")).to_be_visible()

    give(page, CHECK_IN, who="Both partners, each on their own", start=START,
         how_often="Every day")
    give(page, DATES, who="Together, as a joint exercise", start=START,
         how_often="Once a week")

    adherence = page.get_by_role("region", name="Adherence")
    check_in = adherence.get_by_role("row").filter(has_text=CHECK_IN)
    expect(check_in).to_contain_text("Daily")
    expect(check_in).to_contain_text(MAYA[0])
    # Four days due since Monday (today, Friday, has not ended), none logged yet.
    expect(check_in).to_contain_text("0 done, 0 partly, 0 not done, 4 not logged of 4 (0% done)")
    expect(adherence.get_by_role("rowheader").filter(has_text=DATES)).to_contain_text("joint")
    expect(adherence.get_by_role("row").filter(has_text=LEO[0])).to_have_count(2)

    page.get_by_role("link", name="Schedule a session").click()
    page.get_by_label("Date", exact=True).fill("2026-03-23")
    page.get_by_label("Time", exact=True).fill("17:00")
    measure = page.get_by_label("Ask both partners to answer the CSI-4 before it")
    expect(measure).to_be_checked()
    page.get_by_role("button", name="Schedule the session").click()
    expect(flash(page, "The session was scheduled.")).to_be_visible()
    expect(page.get_by_role("heading", name="Session 1", level=1)).to_be_visible()
    expect(page.get_by_text("Monday 23 March 2026, 17:00")).to_be_visible()

    page.get_by_role("link", name=COUPLE_NAME).click()
    sessions = page.get_by_role("region", name="Sessions")
    expect(sessions.get_by_role("row").filter(has_text="Session 1")).to_contain_text(
        "0 of 2 answered")

    # What the therapist gave is what Maya finds in her portal.
    maya = open_page(phone=True)
    log_in(maya, story.maya.email)
    expect(maya.get_by_role("heading", name=CHECK_IN)).to_be_visible()
    expect(maya.get_by_role("region", name=DATES)).to_contain_text("together")
    expect(maya.get_by_text("Keep it light; it is practice, not a test.")).to_have_count(2)
    expect(maya.get_by_role("link", name="Answer the questions")).to_be_visible()


# --- 3. each partner, on a phone, logs their week and answers the CSI-4 ------------------


def log_day(page, title: str, day: dt.date, *, completion: str, prompt: str | None = None,
            text: str = "", ratings: dict[str, int] | None = None, shared: bool = False):
    page.get_by_role("link", name=f"Log {title}, {day_name(day)}").click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    page.get_by_label(completion, exact=True).check()
    if text:
        page.get_by_label(prompt).fill(text)
    for question, value in (ratings or {}).items():
        page.get_by_role("group", name=question, exact=True).get_by_label(
            str(value), exact=True).check()
    page.get_by_label("My therapist and my partner" if shared else "Only my therapist").check()
    page.get_by_role("button", name="Save").click()
    expect(flash(page, "Saved. Your therapist and your partner can read what you wrote."
                 if shared else "Saved. Only your therapist can read what you wrote.")
           ).to_be_visible()


def answer_csi4(page, answers: list[int]) -> None:
    page.get_by_role("link", name="Answer the questions").click()
    expect(page.get_by_role("heading", name="Questions before your session")).to_be_visible()
    expect(page.get_by_text("Session on Monday 23 March, 17:00")).to_be_visible()
    for group, score in zip(page.get_by_role("group").all(), answers, strict=True):
        group.get_by_role("radio").nth(score).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(flash(page, "Only your therapist sees your answers, never your partner.")
           ).to_be_visible()


@pytest.mark.parametrize("who", ["maya", "leo"])
def test_partner_on_a_phone_logs_several_days_and_answers_the_csi4(
        db, clock, make_therapist, open_page, who):
    story = build_story(clock, make_therapist)
    user = getattr(story, who)
    page = open_page(phone=True)
    log_in(page, user.email)
    expect(page.get_by_role("heading", name=f"Hello, {user.name.split(' ')[0]}")).to_be_visible()
    expect(page.get_by_role("heading", name="Before your session on Mon 23 Mar, 17:00")
           ).to_be_visible()
    assert scroll_width(page) <= 360

    answer_csi4(page, MAYA_CSI4 if who == "maya" else LEO_CSI4)
    expect(page.get_by_role("link", name="Answer the questions")).to_have_count(0)

    log_day(page, CHECK_IN, WED, completion="Done", prompt=CHECK_IN_PROMPT,
            text=f"{user.name} shared: we talked after dinner.", ratings={CONNECTED: 7},
            shared=True)
    log_day(page, CHECK_IN, THU, completion="Partly", prompt=CHECK_IN_PROMPT,
            text=f"{user.name} privately: I held back what bothered me.",
            ratings={CONNECTED: 4}, shared=False)
    log_day(page, CHECK_IN, FRI, completion="Done")
    log_day(page, DATES, START, completion="Done", prompt=DATES_PROMPT,
            text="We tried the new ramen place.", ratings={ENJOYED: 8, CONNECTED: 7},
            shared=True)

    check_in = page.get_by_role("region", name=CHECK_IN)
    # Monday and Tuesday not logged; today counts as soon as it is logged.
    expect(check_in).to_contain_text(
        "So far this week: 2 done, 1 partly, 0 not done, 2 not logged of 5 due.")
    for short, status in (("Wed 18", "Done"), ("Thu 19", "Partly"), ("Today", "Done")):
        expect(check_in.get_by_role("listitem").filter(has_text=short)).to_contain_text(status)
    expect(page.get_by_role("region", name=DATES)).to_contain_text(
        "So far this week: 1 done, 0 partly, 0 not done, 0 not logged of 1 due.")
    assert scroll_width(page) <= 360
    shoot(page, f"journey-portal-{who}-phone")

    # The questions are answered once: going back to them says so.
    page.goto(f"/portal/measures/{story.session.id}")
    expect(page.get_by_text("You have answered these questions. Thank you.")).to_be_visible()


# --- 4. each partner sees the other's completion and shared words, never the private ------


@pytest.mark.parametrize("who", ["maya", "leo"])
def test_partner_sees_the_others_completion_and_shared_entry_but_nothing_private(
        db, clock, make_therapist, open_page, who):
    story = build_story(clock, make_therapist, entries=True)
    me = getattr(story, who)
    other_shared, other_private, other_date = (
        (LEO_SHARED, LEO_PRIVATE, LEO_DATE) if who == "maya"
        else (MAYA_SHARED, MAYA_PRIVATE, MAYA_DATE))
    page = open_page(phone=True)
    log_in(page, me.email)

    check_in = page.get_by_role("region", name=CHECK_IN)
    expect(check_in.get_by_role("listitem").filter(has_text="Wed 18")).to_contain_text(
        "Partner: Done")
    expect(check_in.get_by_role("listitem").filter(has_text="Thu 19")).to_contain_text(
        "Partner: Partly")
    expect(check_in.get_by_role("listitem").filter(has_text="Today")).not_to_contain_text(
        "Partner:")
    assert other_private not in page.content()

    page.get_by_role("link", name=f"View {CHECK_IN}, {day_name(WED)}").click()
    shared = page.get_by_role("region", name="What your partner shared")
    expect(shared).to_contain_text(other_shared)
    expect(shared).to_contain_text("How connected did you feel? 8")

    page.get_by_role("link", name="My homework").click()
    page.get_by_role("link", name=f"View {CHECK_IN}, {day_name(THU)}").click()
    expect(page.get_by_role("heading", name=CHECK_IN, level=1)).to_be_visible()
    expect(page.get_by_role("region", name="What your partner shared")).to_have_count(0)
    assert other_private not in page.content()

    page.get_by_role("link", name="My homework").click()
    page.get_by_role("link", name=f"View {DATES}, {day_name(START)}").click()
    expect(page.get_by_role("region", name="What your partner shared")).to_contain_text(
        other_date)
    assert other_private not in page.content()

    # Nowhere else in the portal either: the week before, the guides, the CSI-4 questions.
    for path in ("/portal/?week=2026-03-09", f"/portal/measures/{story.session.id}"):
        page.goto(path)
        assert other_private not in page.content()


# --- 5. the therapist reviews, records the session, and takes both reports ----------------


def download(page, link_name: str) -> bytes:
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("link", name=link_name).click()
    path = info.value.path()
    assert info.value.suggested_filename.endswith(".pdf")
    return path.read_bytes()


def make_report(page, audience: str) -> None:
    page.get_by_label(audience).check()
    page.get_by_role("button", name="Create the PDF").click()
    # A render takes a few seconds, more on a busy machine (and the pool may be starting).
    expect(flash(page, "The report is ready.")).to_be_visible(timeout=90_000)


def test_therapist_reviews_records_the_session_and_downloads_both_reports(
        db, clock, make_therapist, open_page):
    story = build_story(clock, make_therapist, entries=True, csi4=True)
    # Homework for Leo alone: Maya's portal does not have it, so neither does the handout.
    own = assign_exercise(story.therapist, story.couple, exercise("speak-without-blame"),
                          mode="one", partner=story.leo,
                          schedule=Schedule(start=START, cadence="daily"))
    log_entry(story.leo, story.couple, own, START + dt.timedelta(days=2), completion="done",
              answers=[LEO_OWN], visibility="partner")
    db.session.commit()
    clock.set(AFTER_SESSION)  # the session has taken place
    page = open_page()
    log_in(page, THERAPIST[1])
    page.get_by_role("link", name=COUPLE_NAME).click()
    expect(page.get_by_role("heading", name=COUPLE_NAME, level=1)).to_be_visible()

    # Adherence: of the seven days due since last Monday (today has not ended), each
    # partner did one and did one partly.
    adherence = page.get_by_role("region", name="Adherence")
    for name in (MAYA[0], LEO[0]):
        row = adherence.get_by_role("row").filter(has_text=name).first
        expect(row).to_contain_text("1 done, 1 partly, 0 not done, 5 not logged of 7 (14% done)")
    # Both entries of each partner, the private ones marked as such.
    entries = page.get_by_role("list").filter(has_text=MAYA_PRIVATE)
    for text in (MAYA_SHARED, MAYA_PRIVATE, LEO_SHARED, LEO_PRIVATE, MAYA_DATE, LEO_DATE):
        expect(page.get_by_text(text)).to_be_visible()
    private_card = entries.get_by_role("listitem").filter(has_text=MAYA_PRIVATE)
    expect(private_card).to_contain_text("Private to you")
    # The joint date, rated 9 and 4: one difference to talk about.
    differences = page.get_by_role("region", name="To talk about")
    expect(differences.get_by_role("listitem")).to_have_count(1)
    expect(differences).to_contain_text(DATES)
    expect(differences).to_contain_text(f"{ENJOYED} {MAYA[0]} 9, {LEO[0]} 4")
    expect(page.get_by_text("Different experiences: ratings")).to_be_visible()
    # The CSI-4 scores: 15 and 7, 8 apart.
    csi = page.get_by_role("region", name="Couples Satisfaction Index (CSI-4)")
    expect(csi.get_by_role("row").filter(has_text="Session 1").get_by_role("cell")
           ).to_have_text(["Session 1", "15", "7", "8"])
    shoot(page, "journey-couple", screen_height=1000)

    page.get_by_role("region", name="Sessions").get_by_role("link", name="Session 1").click()
    expect(page.get_by_role("heading", name="Session 1", level=1)).to_be_visible()
    answers = page.get_by_role("region", name="CSI-4 answers")
    expect(answers.get_by_role("row").filter(has_text="Score (0").get_by_role("cell")
           ).to_have_text(["15", re.compile(r"^7\s*below 13\.5$")])

    page.get_by_label("Duration (minutes)").fill("55")
    page.get_by_label("Both partners", exact=True).check()
    page.get_by_label("Focus of the session").fill("The evening of the night market")
    page.get_by_label("Homework reviewed").fill("Daily check-ins; the first date")
    page.get_by_label("Clinician notes (only you see these)").fill(
        "Leo withdraws when crowds overwhelm him; explore next time")
    page.get_by_label("Summary for the couple (printed on their handout)").fill(
        "You both kept the check-ins going; next time we plan a quieter date together")
    page.get_by_role("button", name="Save the session record").click()
    expect(flash(page, "The session record was saved.")).to_be_visible()
    expect(page.get_by_text("55 minutes · Both partners")).to_be_visible()

    make_report(page, "Clinician report (everything, for you)")
    clinician = pdf_text(download(page, "Download the clinician report"))
    make_report(page, "Couple handout (only what both partners may see)")
    handout = pdf_text(download(page, "Download the couple handout"))
    shoot(page, "journey-session", screen_height=1500)

    for private in (MAYA_PRIVATE, LEO_PRIVATE, "Leo withdraws when crowds overwhelm him"):
        assert private in clinician
        assert private not in handout
    for shared in (MAYA_SHARED, LEO_SHARED, MAYA_DATE,
                   "next time we plan a quieter date together"):
        assert shared in handout
        assert shared in clinician
    assert "CSI-4" in clinician
    assert "CSI-4" not in handout
    own_title = own.exercise_version.title
    assert own_title in clinician and LEO_OWN in clinician
    assert own_title not in handout and LEO_OWN not in handout
    # The handout speaks to the couple: the summary first, no one partner's rate.
    assert handout.index("From your session") < handout.index("What went well")
    assert "%" not in handout


# --- 6. a session that expires mid-sentence loses nothing --------------------------------

LONG_START = (
    "Tonight the check-in started badly. I came home tired and Leo wanted to talk about the "
    "weekend straight away, and I could feel myself getting short with him. We sat down "
    "anyway, phones in the other room, and he asked what the hard part of my day had been. "
)
LONG_END = (
    "I told him about the meeting where my manager dismissed my idea, and instead of giving "
    "advice he just listened and asked how it felt. I realised I usually expect him to fix "
    "things, and that listening was exactly what I needed. I want to tell him that."
)


def open_todays_check_in(page, story):
    log_in(page, story.maya.email)
    page.get_by_role("link", name=f"Log {CHECK_IN}, {day_name(FRI)}").click()
    expect(page.get_by_role("heading", name=CHECK_IN, level=1)).to_be_visible()
    # The heading shows before the scripts at the end of the page have run: typing earlier
    # than a loaded machine runs autosave.js would go unseen by it.
    page.wait_for_load_state("load")
    page.get_by_label("Done", exact=True).check()
    reflection = page.get_by_label(CHECK_IN_PROMPT)
    reflection.fill(LONG_START)
    page.clock.run_for(2_000)  # the autosave's pause after typing
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    return reflection


def finish_after_logging_in_again(page, story):
    page.get_by_label("Email").fill(story.maya.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=CHECK_IN, level=1)).to_be_visible()
    expect(page.get_by_text("We kept what you were writing.")).to_be_visible()
    expect(page.get_by_label(CHECK_IN_PROMPT)).to_have_value(LONG_START + LONG_END)
    expect(page.get_by_label("Done", exact=True)).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(flash(page, "Saved. Only your therapist can read what you wrote.")).to_be_visible()
    page.get_by_role("link", name=f"View {CHECK_IN}, {day_name(FRI)}").click()
    expect(page.get_by_label(CHECK_IN_PROMPT)).to_have_value(LONG_START + LONG_END)


def test_sign_in_expiring_while_writing_keeps_the_reflection_when_sent(
        db, clock, make_therapist, open_page, app):
    story = build_story(clock, make_therapist)
    page = open_page()
    page.clock.install()  # the page's own timers (autosave) run only when told
    reflection = open_todays_check_in(page, story)

    clock.advance(dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
    reflection.press_sequentially(LONG_END)
    page.get_by_role("button", name="Save").click()  # before the autosave's pause is over

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(flash(page, "You were signed out while you were writing. What you wrote is kept"))\
        .to_be_visible()
    finish_after_logging_in_again(page, story)


def test_sign_in_expiring_while_writing_keeps_the_reflection_when_autosaved(
        db, clock, make_therapist, open_page, app):
    story = build_story(clock, make_therapist)
    page = open_page()
    page.clock.install()
    reflection = open_todays_check_in(page, story)

    clock.advance(dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
    reflection.press_sequentially(LONG_END)
    page.clock.run_for(2_000)  # a pause before pressing Save: the autosave goes first
    expect(page.get_by_role("status").filter(has_text="You were signed out")).to_be_visible()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(flash(page, "You were signed out while you were writing. What you wrote is kept"))\
        .to_be_visible()
    finish_after_logging_in_again(page, story)


# --- 7. outsiders typing this couple's addresses get "not found" ---------------------------


class _StubPdf:
    """Stands in for the renderer: only the report's address matters here."""

    def __init__(self, html: str, title: str, author: str) -> None:
        import hashlib

        self.content = b"%PDF-1.7\n% stand-in\n"
        self.page_count = 1
        self.sha256 = hashlib.sha256(self.content).hexdigest()


def test_other_couples_partner_and_another_therapist_get_not_found(
        db, clock, make_therapist, open_page):
    story = build_story(clock, make_therapist, entries=True, csi4=True)
    report = produce_report(story.couple, audience="clinician", session=story.session,
                            generated_by=story.therapist, render=_StubPdf)
    other_therapist = make_therapist(practice=story.therapist.practice,
                                     name="Dr. Sam Other", email="other@example.org")
    others = couple_of(story.therapist, "Ana & Ben",
                       [("Ana Silva", "ana@example.org"), ("Ben Silva", "ben@example.org")])
    db.session.commit()
    maya_entry_day = f"/portal/homework/{story.check_in.id}/{WED.isoformat()}"
    therapist_urls = [
        f"/therapist/couples/{story.couple.id}",
        f"/therapist/couples/{story.couple.id}/audit",
        f"/therapist/couples/{story.couple.id}/sessions/new",
        f"/therapist/couples/{story.couple.id}/assign?exercise={story.check_in.exercise_version.exercise_id}",
        f"/therapist/assignments/{story.check_in.id}/edit",
        f"/therapist/sessions/{story.session.id}",
        f"/therapist/reports/{report.id}",
    ]
    partner_urls = [
        maya_entry_day,
        f"/portal/homework/{story.dates.id}/{START.isoformat()}",
        f"/portal/measures/{story.session.id}",
    ]

    # The addresses are real: the couple's own therapist and partner open them.
    own = open_page()
    log_in(own, THERAPIST[1])
    for url in therapist_urls:
        assert own.request.get(url).status == 200, url
    maya = open_page()
    log_in(maya, story.maya.email)
    for url in partner_urls:
        assert maya.request.get(url).status == 200, url

    for email in ("ana@example.org", other_therapist.email):
        page = open_page()
        log_in(page, email)
        for url in therapist_urls + partner_urls:
            response = page.goto(url)
            assert response.status == 404, (email, url)
            expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
            content = page.content()
            for secret in (COUPLE_NAME.replace("&", "&amp;"), MAYA_PRIVATE, MAYA_SHARED,
                           "Maya Okafor"):
                assert secret not in content, (email, url, secret)
    assert {p.user.email for p in others.partners} == {"ana@example.org", "ben@example.org"}
