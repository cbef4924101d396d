"""Issue 13's journey in a real Chromium: Maya answers her private check with a concern on
her phone; Leo's portal does not change by a word; the therapist sees the flag, reads the
answers and puts the couple on a safety hold; joint homework pauses in both portals, which
say only that some homework is paused; Maya leaves by the quick exit and Back shows nothing
of the portal."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.services.safety_check import QUESTIONS
from tests.e2e.story import (
    CHECK_IN,
    DATES,
    assert_back_shows_nothing_of,
    build_story,
    log_in,
    shoot,
)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WORRY = "He reads my messages at night."
PAUSED = "Some homework is paused by your therapist."


@pytest.fixture
def story(db, clock, make_therapist, neutral_site):
    told = build_story(clock, make_therapist)
    told.maya.practice.quick_exit_url = neutral_site
    db.session.commit()
    return told


def _portal(page) -> str:
    """What a partner reads of their portal home (its words, as the screen shows them)."""
    page.goto("/portal/")
    page.wait_for_load_state("load")
    return page.locator("main").inner_text()


def test_a_concern_told_privately_leads_to_a_hold_and_leaves_no_trace(
        story, browser, live_server, page, neutral_site):
    maya_phone = browser.new_context(base_url=live_server, **PHONE)
    leo_phone = browser.new_context(base_url=live_server, **PHONE)
    try:
        maya, leo = maya_phone.new_page(), leo_phone.new_page()
        log_in(leo, story.leo.email)
        leo_before = {url: (leo.goto(url).status, _portal(leo) if url == "/portal/"
                            else leo.locator("main").inner_text())
                      for url in ("/portal/help", "/portal/")}

        # Maya, alone, answers the check: afraid sometimes, and a few words.
        log_in(maya, story.maya.email)
        maya.get_by_role("link", name="Open the questions").click()
        expect(maya.get_by_role("heading", name="A few questions just for you", level=1)
               ).to_be_visible()
        expect(maya.get_by_text("Only your therapist reads your answers")).to_be_visible()
        expect(maya.get_by_role("link", name="Need help now?").first).to_be_visible()
        for question in QUESTIONS:
            answer = "Sometimes" if question.key == "afraid" else question.options[0].label
            maya.get_by_role("group", name=question.text).get_by_label(
                answer, exact=True).check()
        maya.get_by_label("Is there anything you want your therapist to know privately?"
                          ).fill(WORRY)
        maya.get_by_role("button", name="Send my answers").click()
        expect(maya.get_by_role("heading", name="Thank you")).to_be_visible()
        expect(maya.get_by_text(WORRY)).to_have_count(0)  # never shown back
        shoot(maya, "safety-journey-thanks-phone")

        # Leo's portal: not a word changed.
        leo_after = {url: (leo.goto(url).status, _portal(leo) if url == "/portal/"
                           else leo.locator("main").inner_text())
                     for url in ("/portal/help", "/portal/")}
        assert leo_after == leo_before

        # The therapist: the flag on the caseload, the answers, then a safety hold.
        log_in(page, story.therapist.email)
        row = page.get_by_role("row").filter(has_text=story.couple.name)
        expect(row.get_by_role("link", name="Needs attention")).to_be_visible()
        row.get_by_role("link", name=story.couple.name).click()
        expect(page.get_by_role("heading", name="Needs your attention")).to_be_visible()
        page.get_by_role("link", name="Read the private answers").click()
        expect(page.get_by_text(WORRY)).to_be_visible()
        page.go_back()
        page.get_by_role("link", name="Put on a safety hold…").click()
        page.get_by_label("Note for your record (optional)").fill("Maya asked to talk alone.")
        page.get_by_role("button", name="Start the safety hold").click()
        hold = page.get_by_role("region", name="On safety hold")
        expect(hold).to_contain_text(f"Paused by the hold: {DATES}")
        shoot(page, "safety-journey-couple-on-hold", screen_height=900)

        # Joint homework pauses in both portals; neither names the hold.
        for phone in (maya, leo):
            text = _portal(phone)
            assert PAUSED in text
            assert not re.search(r"\bhold\b|safety concern", text, re.I)
            cards = {title: phone.get_by_role("region", name=title) for title in (DATES, CHECK_IN)}
            expect(cards[DATES]).to_contain_text("paused by your therapist")
            expect(cards[CHECK_IN]).not_to_contain_text("paused")  # given to each: goes on
        shoot(leo, "safety-journey-portal-on-hold-phone", screen_height=844)

        # Maya leaves at once; Back shows nothing of her portal.
        _portal(maya)
        maya.get_by_role("button", name="Quick exit").click()
        expect(maya).to_have_url(neutral_site)
        assert_back_shows_nothing_of(maya, ("Maya", "My portal", CHECK_IN, DATES, PAUSED))
    finally:
        maya_phone.close()
        leo_phone.close()
