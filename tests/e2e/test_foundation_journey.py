"""A real Chromium: the demo therapist logs in, and the guide library passes axe-core."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.services.demo import DEMO_PASSWORD, build_demo
from app.services.guides import load_builtin_guides
from tests.e2e.accessibility import serious_violations

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def demo(db):
    load_builtin_guides()
    build_demo()
    db.session.commit()


def test_demo_therapist_signs_in_and_sees_the_couples(demo, page):
    page.goto("/sign-in")
    page.get_by_label("Email").fill("therapist@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your couples")).to_be_visible()
    expect(page.get_by_text("Alex & Sam")).to_be_visible()
    expect(page.get_by_text("Jordan & Casey")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("link", name="Guides").click()
    expect(page.get_by_role("heading", name="Guide library", level=1)).to_be_visible()
    page.get_by_role("link", name="How to save your relationship").click()
    expect(page.get_by_role("heading", name="Rebuild communication")).to_be_visible()
    assert serious_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "guide-library.png"))

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))


def test_wrong_password_keeps_the_email_and_says_why(demo, page):
    page.goto("/sign-in")
    page.get_by_label("Email").fill("therapist@example.com")
    page.get_by_label("Password").fill("not the right one")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That email and password don't match an account.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("therapist@example.com")
    assert serious_violations(page) == []


def test_guide_library_on_a_phone_has_no_serious_violations(demo, phone_page):
    phone_page.goto("/guides/")
    assert serious_violations(phone_page) == []
    phone_page.goto("/guides/reigniting-love")
    expect(phone_page.get_by_role("heading", name="Celebrate progress")).to_be_visible()
    assert serious_violations(phone_page) == []
    # Nothing overflows sideways on a 360 px screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
