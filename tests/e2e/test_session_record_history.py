"""A therapist corrects a held session's record twice in Chromium and reads its earlier
versions on the session page (screenshot in test-artifacts/session-record-history.png)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.models import TherapySession
from app.services.demo import DEMO_PASSWORD
from tests.e2e.accessibility import serious_violations
from tests.e2e.story import DEMO_NOW, log_in, scroll_width, shoot

pytestmark = pytest.mark.browser

ADDED = "Sam said afterwards that the repair attempt felt forced; revisit next time."


def test_a_record_corrected_twice_reads_well(db, clock, demo, page):
    last_held = db.session.scalars(
        sa.select(TherapySession).where(TherapySession.status == "held")
        .order_by(TherapySession.scheduled_at.desc())).first()

    def open_session() -> None:
        log_in(page, "therapist@example.com", DEMO_PASSWORD)
        page.goto(f"/therapist/sessions/{last_held.id}")

    open_session()
    expect(page.get_by_text("not corrected since")).to_be_visible()

    # First correction, the next morning: a sentence added to the clinician notes.
    clock.set(DEMO_NOW + dt.timedelta(hours=18))
    open_session()
    notes = page.get_by_label("Clinician notes (only you see these)")
    notes.fill(notes.input_value() + "\n\n" + ADDED)
    page.get_by_role("button", name="Save the corrected record").click()
    expect(page.get_by_text("The session record was corrected (version 2)")).to_be_visible()

    # Second correction, a day later: the duration and the summary for the couple.
    clock.set(DEMO_NOW + dt.timedelta(days=1, hours=20))
    open_session()
    page.get_by_label("Duration (minutes)").fill("65")
    summary = page.get_by_label("Summary for the couple (printed on their handout)")
    summary.fill(summary.input_value() + " Take a break when it gets heated, then come back.")
    page.get_by_role("button", name="Save the corrected record").click()
    expect(page.get_by_text("The session record was corrected (version 3)")).to_be_visible()

    expect(page.get_by_text("Corrected twice")).to_be_visible()
    history = page.locator("details.record-history")
    history.locator("summary").click()
    expect(history.get_by_role("heading", name="Version 2")).to_be_visible()
    expect(history.get_by_role("heading", name="Version 1")).to_be_visible()
    expect(history.get_by_text(ADDED)).to_be_visible()
    assert serious_violations(page) == []
    page.locator("#record-heading").scroll_into_view_if_needed()
    shoot(page, "session-record-history")
    page.set_viewport_size({"width": 360, "height": 740})  # a phone: nothing runs off
    assert scroll_width(page) <= 360
    shoot(page, "session-record-history-phone")
