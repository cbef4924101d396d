"""A partner logs an entry on a phone-sized screen, in a real Chromium."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.services.demo import DEMO_PASSWORD, build_demo
from tests.e2e import story
from tests.e2e.accessibility import serious_violations

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def demo(db):
    build_demo()
    db.session.commit()


def log_in(page, email: str) -> None:
    story.log_in(page, email, DEMO_PASSWORD)


def test_partner_logs_todays_check_in_on_a_phone(demo, phone_page):
    page = phone_page
    log_in(page, "sam@example.com")
    expect(page.get_by_role("heading", name="Create daily check-in moments")).to_be_visible()
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-phone.png"), full_page=True)

    page.get_by_role("link", name=re.compile(r"^Log Create daily check-in moments")).first.click()
    expect(page.get_by_role("heading", name="Create daily check-in moments")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Done", exact=True).check()
    reflection = "We talked on the walk home; I said what I needed without blaming."
    page.locator("textarea").first.fill(reflection)
    # The autosave script (a same-origin file, allowed by the CSP) keeps a server draft.
    expect(page.locator("#draft-status")).to_contain_text("Draft saved", timeout=10_000)
    page.reload()
    expect(page.locator("textarea").first).to_have_value(reflection)
    page.get_by_role("group", name=re.compile("How")).first.get_by_text("8", exact=True).click()
    page.get_by_label("My therapist and my partner").check()
    page.screenshot(path=str(ARTIFACTS / "log-entry-phone.png"), full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. Your therapist and your partner can read what you wrote.")
           ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_therapist_couple_page_has_no_serious_violations(demo, page):
    log_in(page, "therapist@example.com")
    page.get_by_role("link", name="Alex & Sam").click()
    expect(page.get_by_role("heading", name="Ratings over time")).to_be_visible()
    assert serious_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "couple-page.png"), full_page=True)




def test_a_report_form_sent_twice_at_once_makes_one_report(demo, db, page):
    """The browser sends the same report form twice at the same moment (as a double click
    can, or a retry while the first is rendering): both render, one is archived, and both
    answers lead to it."""
    import sqlalchemy as sa

    from app.models import Report

    before = db.session.scalar(sa.select(sa.func.count()).select_from(Report))
    log_in(page, "therapist@example.com")
    page.get_by_role("link", name="Alex & Sam").click()
    page.get_by_role("link", name="Session 3").click()
    page.get_by_label("Couple handout (only what both partners may see)").check()
    landed = page.evaluate("""async () => {
        const form = document.querySelector("form[data-busy-label]");
        const send = () => fetch(form.action, {method: "POST", body: new FormData(form)});
        const answers = await Promise.all([send(), send()]);
        return answers.map((answer) => answer.url);
    }""")
    assert landed[0] == landed[1] and "?new=" in landed[0]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == before + 1
    page.reload()
    expect(page.get_by_role("link", name="Download the couple handout")).to_have_count(1)
    # The button itself says it is working and cannot be pressed twice.
    page.evaluate("""() => document.querySelector("form[data-busy-label]")
        .addEventListener("submit", (event) => event.preventDefault())""")
    page.get_by_role("button", name="Create the PDF").click()
    expect(page.locator("form[aria-busy=true] button[disabled]")).to_contain_text(
        "Making the PDF")
