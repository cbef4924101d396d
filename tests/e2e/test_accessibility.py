"""Usable by everyone: axe-core on every main page, every form with the keyboard alone, and
the partner's portal on a 360 px phone. The demo practice gives the pages real content; the
clock is frozen so that its dates (and the screenshots) are the same on every run."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from app.services.demo import DEMO_PASSWORD
from tests.e2e import story
from tests.e2e.accessibility import serious_violations
from tests.e2e.story import DEMO_NOW, scroll_width, shoot

pytestmark = pytest.mark.browser

TODAY = "Friday 20 March"
CHECK_IN = "Create daily check-in moments"


def log_in(page, email: str) -> None:
    story.log_in(page, email, DEMO_PASSWORD)


# --- axe-core on every main page ---------------------------------------------------------


def test_main_pages_have_no_serious_or_critical_violations(demo, page, phone_page):
    found: dict[str, list[str]] = {}

    def check(tab, name: str, screen_height: int | None = None) -> None:
        found[name] = serious_violations(tab)
        shoot(tab, f"a11y-{name}", screen_height=screen_height)

    page.goto("/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check(page, "sign-in")
    page.goto("/guides/")
    expect(page.get_by_role("heading", name="Guide library", level=1)).to_be_visible()
    check(page, "guide-library")

    log_in(page, "therapist@example.com")
    expect(page.get_by_role("heading", name="Your couples")).to_be_visible()
    check(page, "caseload")
    page.get_by_role("link", name="Alex & Sam").click()
    expect(page.get_by_role("heading", name="Ratings over time")).to_be_visible()
    check(page, "couple", screen_height=1300)
    sessions = page.get_by_role("region", name="Sessions")
    sessions.get_by_role("link", name="Session 3", exact=True).click()
    expect(page.get_by_role("heading", name="Session record")).to_be_visible()
    page.get_by_role("button", name="Create the PDF").click()  # the page with its archive
    expect(page.get_by_role("status").filter(has_text="The report is ready.")).to_be_visible(
        timeout=90_000)
    check(page, "session-held", screen_height=1500)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link").click()
    sessions.get_by_role("link", name="Session 4", exact=True).click()
    expect(page.get_by_text("You can record the session once it has taken place.")
           ).to_be_visible()
    check(page, "session-scheduled")

    phone = phone_page
    log_in(phone, "sam@example.com")
    expect(phone.get_by_role("heading", name="Hello, Sam")).to_be_visible()
    check(phone, "portal-phone", screen_height=1000)
    phone.get_by_role("link", name=f"Log {CHECK_IN}, {TODAY}").click()
    expect(phone.get_by_role("heading", name=CHECK_IN, level=1)).to_be_visible()
    check(phone, "log-entry-phone")
    phone.get_by_role("link", name="My homework").click()
    phone.get_by_role("link", name="Answer the questions").click()
    expect(phone.get_by_role("heading", name="Questions before your session")).to_be_visible()
    check(phone, "measure-phone")
    phone.get_by_role("button", name="Send my answers").click()  # nothing answered
    expect(phone.get_by_role("alert")).to_contain_text("Please answer every question")
    check(phone, "measure-errors-phone")

    assert {name: v for name, v in found.items() if v} == {}


# --- the portal on a 360 px phone --------------------------------------------------------


def test_portal_pages_fit_a_360_px_screen(demo, phone_page):
    page = phone_page
    log_in(page, "sam@example.com")
    widths = {"portal": scroll_width(page)}
    page.get_by_role("link", name="← Previous week").click()
    expect(page.get_by_text("15 Mar 2026")).to_be_visible()
    widths["previous week"] = scroll_width(page)
    page.get_by_role("link", name="My portal").click()
    page.get_by_role("link", name=f"Log {CHECK_IN}, {TODAY}").click()
    page.get_by_role("group", name="How connected did you feel?").get_by_label(
        "10", exact=True).check()
    widths["log entry"] = scroll_width(page)
    page.get_by_role("button", name="Save").click()  # not said whether done: errors shown
    expect(page.get_by_text("Say whether you did it.")).to_be_visible()
    widths["log entry with an error"] = scroll_width(page)
    page.get_by_role("link", name="My homework").click()
    page.get_by_role("link", name=f"View {CHECK_IN}", exact=False).first.click()
    expect(page.get_by_role("heading", name=CHECK_IN, level=1)).to_be_visible()
    widths["a logged entry"] = scroll_width(page)
    page.get_by_role("link", name="My homework").click()
    page.get_by_role("link", name="Answer the questions").click()
    widths["CSI-4 questions"] = scroll_width(page)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("alert")).to_be_visible()
    widths["CSI-4 questions with errors"] = scroll_width(page)
    assert {name: w for name, w in widths.items() if w > 360} == {}


# --- every form with the keyboard alone -------------------------------------------------


def tab_to(page, target, *, limit: int = 120) -> None:
    """Press Tab until the target has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def keyboard_log_in(page, email: str) -> None:
    page.goto("/sign-in")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_signing_in_with_the_keyboard_alone(demo, page):
    keyboard_log_in(page, "therapist@example.com")
    expect(page.get_by_role("heading", name="Your couples")).to_be_visible()
    # The skip link comes first and moves the focus to the content.
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()


def test_logging_an_entry_with_the_keyboard_alone(demo, page):
    keyboard_log_in(page, "sam@example.com")
    tab_to(page, page.get_by_role("link", name=f"Log {CHECK_IN}, {TODAY}"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=CHECK_IN, level=1)).to_be_visible()

    done = page.get_by_label("Done", exact=True)
    tab_to(page, done)
    page.keyboard.press("Space")
    expect(done).to_be_checked()
    tab_to(page, page.get_by_label("What did you learn about how your partner's day"))
    page.keyboard.type("Typed without a mouse: Alex had a long day and wanted quiet.")
    scale = page.get_by_role("group", name="How connected did you feel?")
    tab_to(page, scale.get_by_label("0", exact=True))
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    expect(scale.get_by_label("7", exact=True)).to_be_checked()
    tab_to(page, page.get_by_label("Only my therapist"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("My therapist and my partner")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(
        has_text="Saved. Your therapist and your partner can read what you wrote.")
    ).to_be_visible()
    today = page.get_by_role("region", name=CHECK_IN).get_by_role("listitem").filter(
        has_text="Today")
    expect(today).to_contain_text("Done")


def test_answering_the_csi4_with_the_keyboard_alone(demo, page):
    keyboard_log_in(page, "sam@example.com")
    tab_to(page, page.get_by_role("link", name="Answer the questions"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Questions before your session")).to_be_visible()
    questions = page.get_by_role("group")
    expect(questions).to_have_count(4)
    for index, score in enumerate([3, 4, 2, 0]):
        radios = questions.nth(index).get_by_role("radio")
        tab_to(page, radios.first)
        if score == 0:
            page.keyboard.press("Space")
        for _ in range(score):
            page.keyboard.press("ArrowRight")
        expect(radios.nth(score)).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Send my answers"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Only your therapist sees your answers")
           ).to_be_visible()


def test_recording_a_session_and_making_a_report_with_the_keyboard_alone(demo, page, clock):
    clock.set(DEMO_NOW + dt.timedelta(days=3, hours=8))  # after the upcoming session
    keyboard_log_in(page, "therapist@example.com")
    tab_to(page, page.get_by_role("link", name="Alex & Sam"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Session 4", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Record the session")).to_be_visible()

    tab_to(page, page.get_by_label("Duration (minutes)"))
    page.keyboard.press("Control+A")
    page.keyboard.type("45")
    tab_to(page, page.get_by_label("Both partners", exact=True))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Alex Rivera only")).to_be_checked()
    for label, text in (("Focus of the session", "Planning the next dates"),
                        ("Homework reviewed", "Check-ins"),
                        ("Clinician notes (only you see these)", "Sam was away this week"),
                        ("Summary for the couple (printed on their handout)",
                         "Alex came alone; we planned the next dates")):
        tab_to(page, page.get_by_label(label))
        page.keyboard.type(text)
    tab_to(page, page.get_by_role("button", name="Save the session record"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="The session record was saved.")
           ).to_be_visible()
    expect(page.get_by_text("45 minutes · Alex Rivera only")).to_be_visible()

    tab_to(page, page.get_by_label("Clinician report (everything, for you)"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Couple handout (only what both partners may see)")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Create the PDF"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="The report is ready.")).to_be_visible(
        timeout=90_000)
    expect(page.get_by_role("link", name="Download the couple handout")).to_be_visible()


def test_giving_homework_with_the_keyboard_alone(demo, page):
    keyboard_log_in(page, "therapist@example.com")
    tab_to(page, page.get_by_role("link", name="Jordan & Casey"))
    page.keyboard.press("Enter")
    choose = page.get_by_label("Give an exercise")
    tab_to(page, choose)
    page.keyboard.type("Plan intentional")
    assert choose.evaluate("select => select.selectedOptions[0].text") == "Plan intentional dates"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Give “Plan intentional dates”")).to_be_visible()
    tab_to(page, page.get_by_label("Both partners, each on their own"))
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Together, as a joint exercise")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Give this homework"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Homework given: 1 exercise.")
           ).to_be_visible()
    adherence = page.get_by_role("region", name="Adherence")
    expect(adherence.get_by_role("rowheader").filter(has_text="Plan intentional dates")
           ).to_contain_text("joint")


# --- the safety hold (issue 13, point 4) -------------------------------------------------


def test_safety_hold_pages_have_no_serious_or_critical_violations(demo, page, browser,
                                                                   live_server):
    """The therapist starts a hold from the couple page, is refused an unsafe exercise on
    the assign page (what was chosen kept), and reads the page to lift it; a partner's
    portal on a 390 px phone says only that some homework is paused."""
    found: dict[str, list[str]] = {}

    def check(tab, name: str, screen_height: int | None = None) -> None:
        found[name] = serious_violations(tab)
        shoot(tab, f"a11y-{name}", screen_height=screen_height)

    log_in(page, "therapist@example.com")
    page.get_by_role("link", name="Alex & Sam").click()
    page.get_by_role("link", name="Put on a safety hold…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("safety hold")
    check(page, "safety-hold-start")
    page.get_by_label("Note for your record (optional)").fill("Sam asked to talk alone.")
    page.get_by_role("button", name="Start the safety hold").click()
    hold = page.get_by_role("region", name="On safety hold")
    expect(hold).to_be_visible()
    check(page, "couple-on-safety-hold", screen_height=1100)

    couple_url = page.url.split("#")[0]
    page.locator("#give-exercise").select_option(label="Take responsibility for your part")
    page.get_by_role("button", name="Continue").first.click()
    only_sam = page.get_by_label("Only Sam", exact=False)
    only_sam.check()
    page.get_by_role("button", name="Give this homework").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "cannot be given while a safety concern is open")
    expect(page.get_by_label("Only Sam", exact=False)).to_be_checked()
    check(page, "assign-refused-on-safety-hold", screen_height=900)

    page.goto(couple_url)
    page.get_by_role("link", name="Lift the safety hold…").click()
    page.get_by_role("button", name="Lift the safety hold").click()
    expect(page.get_by_text("Write why the hold can be lifted now.")).to_be_visible()
    check(page, "safety-hold-lift-refused")

    context = browser.new_context(base_url=live_server, bypass_csp=True, is_mobile=True,
                                  has_touch=True, viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        log_in(phone, "sam@example.com")
        expect(phone.get_by_text("Some homework is paused by your therapist.")).to_be_visible()
        assert "hold" not in phone.content().lower()
        assert scroll_width(phone) <= 390
        check(phone, "portal-on-safety-hold-phone", screen_height=844)
    finally:
        context.close()

    assert {name: v for name, v in found.items() if v} == {}


# --- issue 13: the quick exit and crisis resources ---------------------------------------


def test_quick_exit_and_crisis_pages_have_no_serious_or_critical_violations(
        demo, db, browser, live_server, page):
    """The portal with its Quick exit on a 390 px phone, "Need help now?" without and with
    the practice's lines, the admin's crisis-resources page and the neutral page."""
    import sqlalchemy as sa

    from app.models import User
    from app.services.crisis import add_crisis_line

    found: dict[str, list[str]] = {}
    phone_context = browser.new_context(base_url=live_server, bypass_csp=True,
                                        viewport={"width": 390, "height": 844},
                                        is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    try:
        def check(tab, name: str) -> None:
            found[name] = serious_violations(tab)
            shoot(tab, f"a11y-{name}", screen_height=844 if tab is phone else None)

        log_in(phone, "sam@example.com")
        quick_exit = phone.get_by_role("button", name="Quick exit")
        expect(quick_exit).to_be_visible()
        box = quick_exit.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # a large enough target
        check(phone, "portal-quick-exit-phone")
        phone.get_by_role("link", name="Need help now?").click()
        expect(phone.locator(".crisis-emergency")).to_contain_text(
            "call your local emergency number")
        check(phone, "help-without-lines-phone")

        admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        add_crisis_line(admin, admin.practice, name="Example abuse helpline",
                        number="0800 000 0000", hours="Every day, at any hour",
                        url="https://helpline.example.org/chat")
        add_crisis_line(admin, admin.practice, name="Example crisis text line", number=None,
                        hours="Evenings", url="https://text.example.org/")
        admin.practice.emergency_number = "999"
        db.session.commit()
        phone.reload()
        expect(phone.get_by_role("heading", name="Example abuse helpline")).to_be_visible()
        check(phone, "help-with-lines-phone")

        log_in(page, "admin@example.com")
        page.goto("/admin/crisis-resources")
        expect(page.get_by_role("heading", name="Crisis resources", level=1)).to_be_visible()
        check(page, "admin-crisis-resources")
        page.get_by_role("button", name="Add the line").click()
        expect(page.get_by_role("alert")).to_contain_text("Give the line a name.")
        check(page, "admin-crisis-resources-errors")
        page.goto("/today")
        check(page, "neutral-page")
    finally:
        phone_context.close()

    assert {name: v for name, v in found.items() if v} == {}


# --- the private safety check (issue 13) -------------------------------------------------


def test_the_private_check_and_its_flag_have_no_serious_violations(
        demo, browser, live_server, page):
    from app.services.safety_check import QUESTIONS

    found: dict[str, list[str]] = {}
    widths: dict[str, int] = {}

    def check(tab, name: str, screen_height: int | None = None) -> None:
        found[name] = serious_violations(tab)
        shoot(tab, f"a11y-{name}", screen_height=screen_height)
        widths[name] = scroll_width(tab)

    context = browser.new_context(base_url=live_server, bypass_csp=True, is_mobile=True,
                                  has_touch=True, viewport={"width": 390, "height": 844})
    phone = context.new_page()
    log_in(phone, "sam@example.com")
    expect(phone.get_by_role("heading", name="A few questions just for you")).to_be_visible()
    check(phone, "portal-with-check-phone", screen_height=844)
    phone.get_by_role("link", name="Open the questions").click()
    expect(phone.get_by_role("heading", name="A few questions just for you", level=1)
           ).to_be_visible()
    check(phone, "safety-check-phone", screen_height=844)
    phone.get_by_role("button", name="Send my answers").click()  # nothing answered
    expect(phone.get_by_role("alert")).to_contain_text("Please answer every question")
    check(phone, "safety-check-errors-phone")
    for question in QUESTIONS:
        answer = "Sometimes" if question.key == "control" else question.options[0].label
        phone.get_by_role("group", name=question.text).get_by_label(answer, exact=True).check()
    phone.get_by_label("Is there anything you want your therapist to know privately?").fill(
        "I would like to talk to you alone.")
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(phone.get_by_text("talk to you alone")).to_have_count(0)
    check(phone, "safety-thanks-phone", screen_height=844)
    phone.get_by_role("link", name="Add something").click()
    expect(phone.get_by_role("heading", name="Add to your answers")).to_be_visible()
    check(phone, "safety-more-phone")
    context.close()

    log_in(page, "therapist@example.com")
    row = page.get_by_role("row").filter(has_text="Alex & Sam")
    expect(row.get_by_role("link", name="Needs attention")).to_be_visible()
    check(page, "caseload-with-flag")
    page.get_by_role("link", name="Alex & Sam").click()
    expect(page.get_by_role("heading", name="Needs your attention")).to_be_visible()
    check(page, "couple-with-flag", screen_height=900)
    page.get_by_role("link", name="Read the private answers").click()
    expect(page.get_by_role("heading", name="Private answers", level=1)).to_be_visible()
    check(page, "private-answers", screen_height=1100)

    assert {name: v for name, v in found.items() if v} == {}
    assert {name: w for name, w in widths.items() if name.endswith("phone") and w > 390} == {}


# --- issue 14: emails that failed after their retries -------------------------------------


def test_the_admins_list_of_emails_not_sent_has_no_serious_or_critical_violations(
        demo, db, page):
    """The admin's "Emails not sent" page with a failed row, its retry, and the empty list."""
    import sqlalchemy as sa

    from app.models import User
    from tests.helpers import failed_mail_row

    therapist = db.session.scalar(sa.select(User).where(User.email == "therapist@example.com"))
    failed_mail_row(db, therapist, "the mail server did not accept the message")
    db.session.commit()
    found: dict[str, list[str]] = {}
    log_in(page, "admin@example.com")
    page.goto("/admin/mail")
    expect(page.get_by_role("heading", name="Emails not sent", level=1)).to_be_visible()
    expect(page.get_by_role("cell", name="therapist@example.com", exact=True)).to_be_visible()
    found["admin-mail"] = serious_violations(page)
    shoot(page, "a11y-admin-mail")
    page.get_by_role("button", name="Send again to therapist@example.com").click()
    expect(page.get_by_text("No email has failed")).to_be_visible()
    found["admin-mail-empty"] = serious_violations(page)
    shoot(page, "a11y-admin-mail-empty")
    assert {name: v for name, v in found.items() if v} == {}
