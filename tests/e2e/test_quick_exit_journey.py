"""The quick exit in a real Chromium, under the app's own strict CSP (not bypassed): by
mouse, by Escape pressed three times, by keyboard alone, without JavaScript and in the
installed app. Each time the page becomes the practice's neutral site (a tiny page served
on 127.0.0.1, another origin), the sign-in is over on the server (the old cookie is
refused), Back shows nothing of the portal, and a half-written entry was kept as a draft."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import AuditEvent, Draft
from tests.e2e.story import (
    CHECK_IN,
    TODAY,
    assert_back_shows_nothing_of,
    build_story,
    log_in,
    shoot,
)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# Words of the portal: none may be on screen once the person has left.
PORTAL_WORDS = ("Maya", "My portal", CHECK_IN, "Quick exit", "Need help now?")


@pytest.fixture
def story(db, clock, make_therapist, neutral_site):
    told = build_story(clock, make_therapist)
    told.maya.practice.quick_exit_url = neutral_site
    db.session.commit()
    return told


@pytest.fixture
def open_tab(browser, live_server):
    """open_tab(javascript=True, installed=False): a phone-sized tab with the CSP on."""
    contexts = []

    def _open(*, javascript: bool = True, installed: bool = False):
        context = browser.new_context(base_url=live_server, java_script_enabled=javascript,
                                      **PHONE)
        if installed:  # Chromium cannot be told it runs as an installed app: say so here
            context.add_init_script("""(() => {
              const real = window.matchMedia.bind(window);
              window.matchMedia = (query) => query.includes('display-mode: standalone')
                ? { matches: true, media: query, addEventListener() {}, removeEventListener() {} }
                : real(query);
            })();""")
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def _ready(page) -> None:
    """The page's scripts have run (they come after the heading a test waits for)."""
    page.wait_for_load_state("load")


def _signed_in_cookies(page) -> list:
    return page.context.cookies()


def _assert_signed_out_on_server(browser, live_server, cookies) -> None:
    """A request carrying the cookie from before the exit is sent to sign in."""
    context = browser.new_context(base_url=live_server)
    try:
        context.add_cookies(cookies)
        response = context.request.get("/portal/", max_redirects=0)
        assert response.status == 302
        assert response.headers["location"].startswith("/sign-in")
    finally:
        context.close()


def _sign_outs(user) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "sign_out", AuditEvent.actor_id == user.id)))


def test_a_click_on_quick_exit_leaves_and_ends_the_sign_in(story, open_tab, browser,
                                                           live_server, neutral_site):
    page = open_tab()
    log_in(page, story.maya.email)
    page.get_by_role("link", name="Need help now?").click()
    expect(page.get_by_role("heading", name="Need help now?")).to_be_visible()
    _ready(page)
    shoot(page, "quick-exit-help-phone", screen_height=844)
    cookies = _signed_in_cookies(page)

    page.get_by_role("button", name="Quick exit").click()
    expect(page.get_by_role("heading", name="Weather today")).to_be_visible()
    assert page.url == neutral_site

    _assert_signed_out_on_server(browser, live_server, cookies)
    assert_back_shows_nothing_of(page, PORTAL_WORDS)
    events = _sign_outs(story.maya)
    assert len(events) == 1 and events[0].details is None


def test_escape_three_times_keeps_the_half_written_entry_and_leaves(
        story, open_tab, browser, live_server, neutral_site):
    page = open_tab()
    log_in(page, story.maya.email)
    page.goto(f"/portal/homework/{story.check_in.id}/{TODAY.date().isoformat()}")
    expect(page.get_by_role("heading", name=CHECK_IN, level=1)).to_be_visible()
    _ready(page)
    page.locator("textarea").first.fill("Half a thought about")
    cookies = _signed_in_cookies(page)

    for _ in range(3):
        page.keyboard.press("Escape")
    expect(page.get_by_role("heading", name="Weather today")).to_be_visible()
    assert page.url == neutral_site

    db.session.expire_all()
    draft = db.session.scalar(sa.select(Draft).where(Draft.author_id == story.maya.id))
    assert draft is not None and draft.content["answers"][0] == "Half a thought about"
    _assert_signed_out_on_server(browser, live_server, cookies)
    assert_back_shows_nothing_of(page, PORTAL_WORDS)


def test_the_keyboard_reaches_quick_exit_first(story, open_tab, neutral_site):
    page = open_tab()
    log_in(page, story.maya.email)
    _ready(page)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Quick exit"
    # Two presses, then a pause longer than the shortcut allows: nothing happens.
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_timeout(2300)
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    expect(page.get_by_role("heading", name="Hello, Maya")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Weather today")).to_be_visible()
    assert page.url == neutral_site


def test_without_javascript_the_form_leaves_too(story, open_tab, browser, live_server,
                                                neutral_site):
    page = open_tab(javascript=False)
    log_in(page, story.maya.email)
    cookies = _signed_in_cookies(page)
    page.get_by_role("button", name="Quick exit").click()
    expect(page.get_by_role("heading", name="Weather today")).to_be_visible()
    assert page.url == neutral_site
    _assert_signed_out_on_server(browser, live_server, cookies)
    assert_back_shows_nothing_of(page, PORTAL_WORDS)


def test_the_installed_app_shows_a_neutral_page_of_its_own(story, open_tab, browser,
                                                           live_server):
    page = open_tab(installed=True)
    log_in(page, story.maya.email)
    _ready(page)
    cookies = _signed_in_cookies(page)
    page.get_by_role("button", name="Quick exit").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    assert page.url == f"{live_server}/today"
    shoot(page, "quick-exit-neutral-page-phone")
    _assert_signed_out_on_server(browser, live_server, cookies)
    assert_back_shows_nothing_of(page, PORTAL_WORDS)


def test_every_other_portal_tab_leaves_too(story, open_tab, neutral_site):
    page = open_tab()
    log_in(page, story.maya.email)
    other = page.context.new_page()
    other.goto("/portal/help")
    expect(other.get_by_role("heading", name="Need help now?")).to_be_visible()
    _ready(other)
    page.bring_to_front()
    _ready(page)
    page.get_by_role("button", name="Quick exit").click()
    expect(page.get_by_role("heading", name="Weather today")).to_be_visible()
    expect(other.get_by_role("heading", name="Weather today")).to_be_visible()
    assert other.url == neutral_site
