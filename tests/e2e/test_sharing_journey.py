"""A partner shares an old private entry on a phone, in a real Chromium without JavaScript:
each entry says who reads it, sharing asks first and shows what the partner will read,
and then the other partner reads it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.story import (
    CHECK_IN,
    MAYA_PRIVATE,
    MAYA_SHARED,
    START,
    TODAY,
    build_story,
    day_name,
    log_in,
    scroll_width,
    shoot,
)

pytestmark = pytest.mark.browser

WED, THU = START + dt.timedelta(days=2), START + dt.timedelta(days=3)
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone(browser, live_server):
    """phone(javascript=True): a person's own phone-sized browser."""
    contexts = []

    def _open(*, javascript: bool = True):
        context = browser.new_context(base_url=live_server, bypass_csp=True,
                                      java_script_enabled=javascript, **PHONE)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def day_row(page, day: dt.date):
    """The portal's line for that day of the daily check-in."""
    return page.get_by_role("region", name=CHECK_IN).get_by_role("listitem").filter(
        has_text=day.strftime("%a %d"))


def test_a_partner_shares_an_old_private_entry_and_the_other_reads_it(
        db, clock, make_therapist, phone):
    build_story(clock, make_therapist, entries=True)
    clock.set(TODAY + dt.timedelta(days=2))  # Sunday: Thursday's entry can no longer change

    # The pages of this journey, as axe-core reads them (it needs JavaScript in the page);
    # her sign-in below, without JavaScript, ends this one.
    checker = phone()
    log_in(checker, "maya@example.org")
    assert serious_violations(checker) == []
    checker.get_by_role("link", name=f"View {CHECK_IN}, {day_name(THU)}").click()
    assert serious_violations(checker) == []
    checker.get_by_role("link", name="Share it with my partner…").click()
    expect(checker.get_by_role("heading", name="Share this entry with your partner?")
           ).to_be_visible()
    assert serious_violations(checker) == []

    # Each of her entries says who reads it.
    maya = phone(javascript=False)
    log_in(maya, "maya@example.org")
    expect(day_row(maya, WED)).to_contain_text("Your partner reads it too")
    expect(day_row(maya, THU)).to_contain_text("Only your therapist reads it")
    expect(day_row(maya, THU)).to_contain_text("Partner: Partly")
    assert scroll_width(maya) <= 360
    shoot(maya, "sharing-portal-maya")

    maya.get_by_role("link", name=f"View {CHECK_IN}, {day_name(THU)}").click()
    expect(maya.get_by_role("heading", name=CHECK_IN, level=1)).to_be_visible()
    sharing = maya.get_by_role("region", name="Who can read what you wrote")
    expect(sharing).to_contain_text("Only your therapist can read what you wrote.")
    expect(maya.get_by_text("Your partner and your therapist see whether you did it.")
           ).to_be_visible()
    assert scroll_width(maya) <= 360
    shoot(maya, "sharing-entry")

    # Sharing asks first, and shows what Leo will read.
    sharing.get_by_role("link", name="Share it with my partner…").click()
    expect(maya.get_by_role("heading", name="Share this entry with your partner?")
           ).to_be_visible()
    preview = maya.get_by_role("region", name="What your partner will read")
    expect(preview).to_contain_text(MAYA_PRIVATE)
    expect(preview).to_contain_text("How connected did you feel? 5")
    assert scroll_width(maya) <= 360
    shoot(maya, "sharing-confirm")

    # Leo sees nothing of it yet.
    leo = phone()
    log_in(leo, "leo@example.org")
    expect(day_row(leo, THU)).not_to_contain_text("shared")
    leo.get_by_role("link", name=f"View {CHECK_IN}, {day_name(THU)}").click()
    expect(leo.get_by_role("heading", name=CHECK_IN, level=1)).to_be_visible()
    expect(leo.get_by_text(MAYA_PRIVATE)).to_have_count(0)

    maya.get_by_role("button", name="Share it with my partner").click()
    expect(maya.get_by_role("status").filter(
        has_text="Shared. Your partner can now read what you wrote.")).to_be_visible()
    expect(maya.get_by_role("region", name="Who can read what you wrote")).to_contain_text(
        "Your therapist and your partner can read what you wrote.")
    expect(maya.get_by_role("button", name="Stop sharing it with my partner")).to_be_visible()

    # Leo reads it: his portal says so, and the day's page shows her words.
    leo.goto("/portal/")
    expect(day_row(leo, THU)).to_contain_text("Partner: Partly · shared what they wrote")
    expect(day_row(leo, WED)).to_contain_text("Partner: Done · shared what they wrote")
    assert serious_violations(leo) == []
    assert scroll_width(leo) <= 360
    shoot(leo, "sharing-portal-leo")
    leo.get_by_role("link", name=f"View {CHECK_IN}, {day_name(THU)}").click()
    shared = leo.get_by_role("region", name="What your partner shared")
    expect(shared).to_contain_text(MAYA_PRIVATE)
    expect(leo.get_by_text(MAYA_SHARED)).to_have_count(0)  # Wednesday's is on its own day
    assert serious_violations(leo) == []
    shoot(leo, "sharing-partner-reads")


def test_the_therapist_stops_showing_completion_and_both_partners_are_told(
        db, clock, make_therapist, browser, live_server, phone):
    story = build_story(clock, make_therapist, entries=True)
    desk = browser.new_context(base_url=live_server, bypass_csp=True)
    try:
        therapist = desk.new_page()
        log_in(therapist, story.therapist.email)
        therapist.get_by_role("link", name=story.couple.name).click()
        expect(therapist.get_by_text(
            "Each partner sees whether the other did the homework given to both of them")
        ).to_have_count(2)  # the badge, and the form's "Now:"
        therapist.get_by_text("Change what partners see of each other's homework").click()
        therapist.get_by_role("button", name="Stop showing partners each other's completion"
                              ).click()
        expect(therapist.get_by_role("status").filter(
            has_text="Partners no longer see whether the other did their homework.")
        ).to_be_visible()
        assert serious_violations(therapist) == []
        shoot(therapist, "sharing-therapist-turned-off", screen_height=900)
    finally:
        desk.close()

    leo = phone()
    log_in(leo, "leo@example.org")
    notice = leo.get_by_role("region", name="Your therapist changed what you see of each "
                             "other's homework.")
    expect(notice).to_contain_text("neither of you sees whether the other did their homework")
    expect(day_row(leo, THU)).not_to_contain_text("Partner:")
    expect(day_row(leo, WED)).to_contain_text("Your partner shared what they wrote")
    assert serious_violations(leo) == []
    assert scroll_width(leo) <= 360
    shoot(leo, "sharing-notice-leo")
    notice.get_by_role("button", name="I have read it").click()
    expect(leo.get_by_role("region", name="Your therapist changed what you see of each "
                           "other's homework.")).to_have_count(0)
