"""Every sentence that tells someone who sees what (app/services/policies.py) is true.

Each test builds one couple under one policy and one completion-sharing setting, plain or
with its setting changed and the couple moved to another therapist, and walks it as its
people do, through the real pages: partner A logs, edits, shares and un-shares entries,
keeps a draft and answers the CSI-4; the therapist changes the setting; an admin moves
the couple. Every catalogue sentence found on a page that A or the therapist is shown is
then checked by signing in as the person it speaks about (partner B, the therapist who
has the couple now, the therapist who had it before) and reading what that person is
actually shown. "Not even that it exists" is checked by deleting the entry and finding
every page of partner B unchanged. The last test fails if a sentence of the catalogue was
never shown, or has no check here.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from app.models import Couple, Entry, EntryRevision
from app.services.homework import Schedule, assign_exercise
from app.services.own_exercises import create_own_exercise
from app.services.policies import SENTENCES, say
from app.services.safety_check import QUESTIONS
from app.services.sessions import schedule_session
from tests.helpers import sign_in

NOW = dt.datetime(2026, 3, 12, 18, 0, tzinfo=dt.UTC)  # a Thursday
MONDAY = dt.date(2026, 3, 9)
DAYS = [MONDAY + dt.timedelta(days=i) for i in range(4)]  # Monday to Thursday (today)
LABELS = {"done": "Done", "partly": "Partly", "not_done": "Not done"}
TITLES = {"both": "An evening walk", "joint": "A shared dinner", "one": "A letter to yourself"}

# The sentences found, and those checked, over the worlds of this module.
FOUND: dict[str, set[str]] = {}
CHECKED: dict[str, set[str]] = {}
HISTORIES = ("plain", "moved, then changed", "changed, then moved")
WORLDS = [(policy, shared, history) for policy in ("limited", "open")
          for shared in (True, False) for history in HISTORIES]


def text_of(page: str) -> str:
    """A page's text as a reader finds sentences in it: entities decoded, spaces joined."""
    return " ".join(html.unescape(page).split())


def tokens_in(page: str, action: str | None = None) -> dict[str, str]:
    """The CSRF and one-time tokens of the form posting to `action` (by default, the
    first posting to its own page)."""
    forms = re.findall(r"<form\b[^>]*>.*?</form>", page, re.S)
    form = next(f for f in forms if (f'action="{action}"' in f.split(">")[0] if action
                                     else "action=" not in f.split(">")[0]))
    return {name: re.search(rf'name="{name}" value="([^"]+)"', form).group(1)
            for name in ("csrf_token", "once")}


def flash_of(page: str) -> str:
    """The messages shown at the top of a page."""
    found = re.search(r'<div class="flashes".*?</div>', page, re.S)
    assert found, "no message on the page"
    return found.group(0)


def without_tokens(page: str) -> str:
    return re.sub(r'name="(csrf_token|once)" value="[^"]+"', "", page)


@dataclass
class Logged:
    """An entry of partner A as the test made it, and the words it ever held."""

    name: str
    mode: str
    day: dt.date
    words: list[str]  # the current answer first, then earlier ones
    before_change: bool = False

    @property
    def current(self) -> str:
        return self.words[0]


@dataclass
class World:
    policy: str
    shared: bool
    history: str
    app: object
    db: object
    couple_id: int = 0
    assignments: dict[str, int] = field(default_factory=dict)
    logged: dict[str, Logged] = field(default_factory=dict)
    clients: dict[str, object] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)
    session_id: int = 0
    spare_exercise: int = 0
    draft: str = ""
    changed_at: dt.datetime | None = None
    # (key, subject) of every catalogue sentence found, subject None for the couple.
    shown: list[tuple[str, str | None]] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    unseen: set[str] = field(default_factory=set)  # entries B must not know exist
    b_measure_before: str = ""

    @property
    def changed(self) -> bool:
        return self.history != "plain"

    def entry(self, logged: Logged) -> Entry:
        self.db.session.expire_all()
        return self.db.session.scalar(sa.select(Entry).where(
            Entry.assignment_id == self.assignments[logged.mode],
            Entry.author_id == self.users["a"].id, Entry.occurrence_date == logged.day))

    def url(self, mode: str, day: dt.date) -> str:
        return f"/portal/homework/{self.assignments[mode]}/{day.isoformat()}"

    # --- what a page says --------------------------------------------------------------

    def sentences(self) -> dict[str, str]:
        """Each catalogue sentence as it reads for this couple now."""
        couple = self.db.session.get(Couple, self.couple_id)
        values = {"therapist": self.users["t"].name}
        if couple.completion_sharing_changed_at is not None:
            since = couple.completion_sharing_changed_at.astimezone(dt.UTC)
            values["date"] = since.strftime("%d %B %Y")
        found = {}
        for key, sentence in SENTENCES.items():
            try:
                found[key] = say(key, **values)
            except KeyError:
                continue  # a blank this couple cannot fill (no change: no date)
        return found

    def read(self, page: str, subject: str | None, *, only: tuple[str, ...] = ()) -> None:
        """Note every catalogue sentence the page shows, about this subject."""
        words = text_of(page)
        for key, sentence in self.sentences().items():
            if key in ("therapist.private", "therapist.shared"):
                continue  # badges, read entry by entry on the therapist's page
            if only and key not in only:
                continue
            if " ".join(sentence.split()) in words:
                self.shown.append((key, subject))


# --- building the world through its pages -----------------------------------------------


def build(world: World, make_practice, make_user, make_couple, clock) -> None:
    db, app = world.db, world.app
    clock.set(NOW - dt.timedelta(hours=3))
    practice = make_practice()
    former = make_user(("therapist",), practice=practice, name="Dr. Former Lund")
    current = make_user(("therapist",), practice=practice, name="Dr. Current Ames")
    admin = make_user(("admin",), practice=practice, name="Pat Admin")
    creator = former if world.changed else current
    couple = make_couple(creator, policy=world.policy)
    couple.is_completion_shared = world.shared != world.changed  # changed later
    a, b = (p.user for p in couple.partners)
    world.couple_id = couple.id
    world.users = {"a": a, "b": b, "t": current, "f": former, "admin": admin}
    exercise = {mode: create_own_exercise(creator, {
        "title": TITLES[mode], "instructions": "Do it.", "prompts": ["What did you notice?"],
        "cadence": "daily", "ratings": [{"question": "How close did you feel?", "min": 0,
                                         "max": 10, "min_label": "Not at all",
                                         "max_label": "Very"}]}) for mode in TITLES}
    for mode in TITLES:
        world.assignments[mode] = assign_exercise(
            creator, couple, exercise[mode], mode=mode, partner=a if mode == "one" else None,
            schedule=Schedule(start=MONDAY, cadence="daily")).id
    world.session_id = schedule_session(creator, couple, NOW + dt.timedelta(days=2),
                                        request_measure=True).id
    world.spare_exercise = create_own_exercise(current, {
        "title": "A spare exercise", "instructions": "Do it.", "prompts": ["How was it?"],
        "cadence": "weekly"}).id
    db.session.commit()
    for who in ("a", "b", "t", "f", "admin"):
        world.clients[who] = app.test_client()

    def at(moment: dt.datetime) -> None:  # signed in afresh at each hour of the story
        clock.set(moment)
        for who, client in world.clients.items():
            sign_in(client, world.users[who])

    at(NOW - dt.timedelta(hours=3))
    limited = world.policy == "limited"
    private = "therapist" if limited else None
    shared = "partner" if limited else None
    if world.changed:
        # Logged before the setting changes.
        log(world, "both-mon", "both", DAYS[0], "done", private, before_change=True)
        log(world, "joint-mon", "joint", DAYS[0], "partly", private, before_change=True)
        at(NOW - dt.timedelta(hours=2))
        if world.history == "moved, then changed":
            move(world)
            at(NOW - dt.timedelta(hours=1))
            change_sharing(world, "t")
        else:
            change_sharing(world, "f")
            at(NOW - dt.timedelta(hours=1))
            move(world)
    at(NOW)
    if not world.changed:
        log(world, "both-mon", "both", DAYS[0], "done", private)
        log(world, "joint-mon", "joint", DAYS[0], "partly", private)
    log(world, "both-tue", "both", DAYS[1], "partly", private)
    edit(world, "both-tue")
    log(world, "both-wed", "both", DAYS[2], "not_done", shared)
    log(world, "joint-tue", "joint", DAYS[1], "done", shared)
    log(world, "joint-wed", "joint", DAYS[2], "not_done", private)
    log(world, "one-mon", "one", DAYS[0], "done", None)
    log(world, "one-tue", "one", DAYS[1], "not_done", None)
    if limited:
        share(world, "joint-mon")
        unshare(world, "joint-tue")
    keep_draft(world)
    answer_csi4(world)


def log(world: World, name: str, mode: str, day: dt.date, completion: str,
        visibility: str | None, *, before_change: bool = False) -> None:
    """A logs the day through the entry form; the form and the message after it are read
    (about this entry, unless what they say of it changes later: logged before the
    therapist changed the setting, or shared or un-shared later; its page is read again
    at the end)."""
    a = world.clients["a"]
    words = f"{name} words {world.policy} {world.shared}"
    world.logged[name] = Logged(name, mode, day, [words], before_change)
    changes_later = before_change or (world.policy == "limited"
                                      and name in ("joint-mon", "joint-tue"))
    subject = None if changes_later else name
    page = a.get(world.url(mode, day))
    assert page.status_code == 200, (name, page.status_code)
    world.read(page.text, subject)
    data = {**tokens_in(page.text), "completion": completion, "answer-0": words,
            "rating-0": "6"}
    if visibility is not None:
        data["visibility"] = visibility
    saved = a.post(world.url(mode, day), data=data)
    assert saved.status_code == 302, (name, saved.status_code, text_of(saved.text)[-400:])
    world.read(flash_of(a.get(saved.headers["Location"]).text), subject)


def edit(world: World, name: str) -> None:
    """A changes an entry within the day: the page says the therapist keeps the old one."""
    logged, a = world.logged[name], world.clients["a"]
    page = a.get(world.url(logged.mode, logged.day))
    world.read(page.text, name)
    new = logged.current.replace(" words ", " edited words ")
    saved = a.post(world.url(logged.mode, logged.day), data={
        **tokens_in(page.text), "completion": "done", "answer-0": new, "rating-0": "7"})
    assert saved.status_code == 302
    logged.words.insert(0, new)
    world.read(flash_of(a.get(saved.headers["Location"]).text), name)


def share(world: World, name: str) -> None:
    """A shares a private entry: asked first, with what B will read; then B reads it."""
    logged, a = world.logged[name], world.clients["a"]
    entry = world.entry(logged)
    page = a.get(world.url(logged.mode, logged.day))
    assert f'href="/portal/entries/{entry.id}/share"' in page.text
    confirm = a.get(f"/portal/entries/{entry.id}/share")
    assert confirm.status_code == 200
    preview = confirm.text.split('id="preview-heading"')[1]
    assert logged.current in preview and "How close did you feel?" in preview
    action = f"/portal/entries/{entry.id}/visibility"
    done = a.post(action, data={**tokens_in(confirm.text, action), "visibility": "partner",
                                "confirmed": "yes"})
    assert done.status_code == 302
    after = a.get(done.headers["Location"]).text
    # What the confirmation and the message say holds at once: B reads it on that day.
    b_day = world.clients["b"].get(world.url(logged.mode, logged.day)).text
    assert logged.current in b_day
    for key, page_text in (("share.confirm", confirm.text), ("share.done", after)):
        assert " ".join(say(key).split()) in text_of(page_text), key
        world.shown.append((key, None))
        world.checked.add(key)


def unshare(world: World, name: str) -> None:
    logged, a = world.logged[name], world.clients["a"]
    entry = world.entry(logged)
    page = a.get(world.url(logged.mode, logged.day))
    action = f"/portal/entries/{entry.id}/visibility"
    done = a.post(action, data={**tokens_in(page.text, action), "visibility": "therapist"})
    assert done.status_code == 302
    after = a.get(done.headers["Location"]).text
    assert " ".join(say("share.undone").split()) in text_of(after)
    assert logged.current not in b_sees(world).everything
    world.shown.append(("share.undone", None))
    world.checked.add("share.undone")


def keep_draft(world: World) -> None:
    a = world.clients["a"]
    world.draft = f"a draft only A sees {world.policy} {world.shared}"
    url = world.url("both", DAYS[3])
    page = a.get(url)
    saved = a.post(url + "/draft", data={**tokens_in(page.text), "answer-0": world.draft})
    assert saved.status_code == 200
    page = a.get(url)
    assert world.draft in page.text
    world.read(page.text, "draft")


def answer_csi4(world: World) -> None:
    a, b = world.clients["a"], world.clients["b"]
    url = f"/portal/measures/{world.session_id}"
    world.b_measure_before = without_tokens(b.get(url).text)
    page = a.get(url)
    world.read(page.text, "measure")
    world.read(a.get("/portal/").text, "measure", only=("measure.therapist_only",))
    answered = a.post(url, data={**tokens_in(page.text), "item_1": "4", "item_2": "4",
                                 "item_3": "3", "item_4": "4"})
    assert answered.status_code == 302
    world.read(a.get(answered.headers["Location"]).text, "measure",
               only=("measure.therapist_only",))


def move(world: World) -> None:
    """The admin moves the couple from the therapist who had it to another."""
    admin = world.clients["admin"]
    action = f"/admin/couples/{world.couple_id}/therapist"
    token = tokens_in(admin.get("/admin/couples").text, action)
    moved = admin.post(action, data={**token, "therapist_id": str(world.users["t"].id)})
    assert moved.status_code == 302


def change_sharing(world: World, who: str) -> None:
    """The therapist who has the couple at the time changes the setting, on its page."""
    t = world.clients[who]
    page = t.get(f"/therapist/couples/{world.couple_id}")
    action = f"/therapist/couples/{world.couple_id}/completion-sharing"
    changed = t.post(action, data={**tokens_in(page.text, action),
                                   "shared": "yes" if world.shared else "no"})
    assert changed.status_code == 302
    world.db.session.expire_all()
    world.changed_at = world.db.session.get(Couple, world.couple_id).completion_sharing_changed_at
    assert world.changed_at is not None
    world.read(t.get(changed.headers["Location"]).text, None,
               only=("therapist.now_shared", "therapist.now_not_shared"))


# --- what each person is shown ----------------------------------------------------------


@dataclass
class View:
    pages: dict[str, tuple[int, str]]

    @property
    def everything(self) -> str:
        return "\n".join(text for _, text in self.pages.values())

    def normalised(self) -> dict[str, tuple[int, str]]:
        return {url: (status, without_tokens(text)) for url, (status, text) in self.pages.items()}


def b_sees(world: World) -> View:
    """Every page partner B can open about this week: the portal, each day of each
    exercise, and the CSI-4."""
    b = world.clients["b"]
    urls = ["/portal/", f"/portal/measures/{world.session_id}"]
    urls += [world.url(mode, day) for mode in TITLES for day in DAYS]
    pages = {}
    for url in urls:
        answer = b.get(url)
        pages[url] = (answer.status_code, answer.text)
    return View(pages)


def partner_completion(world: World, view: View, logged: Logged) -> str | None:
    """What B's portal says of A's completion on that entry's day ("Done", ...), if any."""
    portal = view.pages["/portal/"][1]
    section = re.search(rf'aria-labelledby="hw-{world.assignments[logged.mode]}">(.*?)</section>',
                        portal, re.S)
    if section is None:
        return None
    name = "Today" if logged.day == DAYS[3] else logged.day.strftime("%a %d")
    for day in re.findall(r'<li class="day[^"]*">(.*?)</li>', section.group(1), re.S):
        if f'<span class="day-name">{name}</span>' in day:
            found = re.search(r"Partner: ([A-Za-z ]+?)(?: ·|<)", day)
            return found.group(1) if found else None
    return None


def therapist_page(world: World, who: str = "t") -> tuple[int, str]:
    answer = world.clients[who].get(f"/therapist/couples/{world.couple_id}?entries=all")
    return answer.status_code, answer.text


def badge_of(page: str, logged: Logged) -> str:
    """The badge beside this entry on the therapist's couple page."""
    for chunk in page.split('<p class="meta"><strong>')[1:]:
        body = chunk.split('class="earlier-versions"')[0]
        if f"<blockquote class=\"answer\">{html.escape(logged.current)}</blockquote>" in body:
            return text_of(re.search(r'<span class="badge[^"]*">(.*?)</span>', body).group(1))
    raise AssertionError(f"{logged.name} is not on the therapist's page")


# --- the checks ---------------------------------------------------------------------------


class Checks:
    """What each sentence claims, checked against what each person is shown."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.b = b_sees(world)
        self.t_status, self.t_page = therapist_page(world)
        assert self.t_status == 200
        self.entries = {name: world.entry(logged) for name, logged in world.logged.items()}

    # primitives

    def b_reads(self, logged: Logged) -> bool:
        found = [w for w in logged.words if w in self.b.everything]
        assert not found or found == [logged.current], "B reads an earlier version"
        return bool(found)

    def b_completion(self, logged: Logged) -> str | None:
        return partner_completion(self.world, self.b, logged)

    def label(self, logged: Logged) -> str:
        return LABELS[self.entries[logged.name].completion]

    def therapist_reads(self, logged: Logged) -> None:
        assert html.escape(logged.current) in self.t_page, logged.name
        if self.world.changed:  # the therapist who had the couple reads nothing now
            assert therapist_page(self.world, "f")[0] == 404

    def given_both(self):
        return [lg for lg in self.world.logged.values() if lg.mode != "one"]

    def is_private(self, logged: Logged) -> bool:
        return self.entries[logged.name].visibility == "therapist"

    def since_change(self, logged: Logged) -> bool:
        created = self.entries[logged.name].created_at
        return self.world.changed_at is None or created >= self.world.changed_at

    # claims

    def completion_seen(self, logged: Logged) -> None:
        assert self.b_completion(logged) == self.label(logged), logged.name

    def completion_unseen(self, logged: Logged) -> None:
        assert self.b_completion(logged) is None, logged.name

    def words_read(self, logged: Logged) -> None:
        assert self.b_reads(logged), logged.name
        self.therapist_reads(logged)

    def words_unread(self, logged: Logged) -> None:
        assert not self.b_reads(logged), logged.name
        self.therapist_reads(logged)

    def one_partner_unseen(self) -> None:
        for url, (status, _) in self.b.pages.items():
            if f"/homework/{self.world.assignments['one']}/" in url:
                assert status == 404, url
        assert TITLES["one"] not in self.b.everything
        for logged in self.world.logged.values():
            if logged.mode == "one":
                self.world.unseen.add(logged.name)
                self.words_unread(logged)

    def policy_words(self, policy: str) -> bool:
        if self.world.policy != policy:
            return False
        for logged in self.given_both():
            if policy == "open" or not self.is_private(logged):
                self.words_read(logged)
            else:
                self.words_unread(logged)
        if policy == "limited":  # "starts private": a new entry's form chooses the therapist
            page = self.world.clients["a"].get(self.world.url("joint", DAYS[3])).text
            assert re.search(r'<input checked[^>]*value="therapist"|value="therapist"[^>]*checked',
                             page)
        return True

    def completion_policy(self, *, since: bool) -> bool:
        if not self.world.shared or (self.world.changed_at is not None) != since:
            return False
        for logged in self.given_both():
            if self.since_change(logged):
                self.completion_seen(logged)
            else:
                self.completion_unseen(logged)
        return True

    def no_completion(self) -> bool:
        if self.world.shared:
            return False
        for logged in self.world.logged.values():
            self.completion_unseen(logged)
            self.therapist_reads(logged)
        return True

    def entry(self, key: str, logged: Logged) -> bool:
        """Check an entry's sentence; False when it speaks of another case than this one."""
        private = self.is_private(logged)
        if key == "entry.completion_shared":
            self.completion_seen(logged)
        elif key == "entry.completion_not_shared":
            self.completion_unseen(logged)
        elif key == "entry.one_partner":
            assert logged.mode == "one"
            self.world.unseen.add(logged.name)
            self.completion_unseen(logged)
            self.words_unread(logged)
        elif key in ("choice.therapist", "choice.partner"):
            if private != (key == "choice.therapist"):
                return False
            (self.words_unread if private else self.words_read)(logged)
        elif key == "choice.private_completion_seen":
            if not private:
                return False
            self.completion_seen(logged)
            self.words_unread(logged)
        elif key == "choice.private_unseen":
            if not private:
                return False
            self.world.unseen.add(logged.name)
            self.words_unread(logged)
        elif key == "entry.open_words":
            self.words_read(logged)
        elif key in ("readers.therapist", "readers.therapist_short"):
            self.words_unread(logged)
        elif key in ("readers.both", "readers.both_short"):
            self.words_read(logged)
        elif key == "entry.earlier_versions":
            if len(logged.words) < 2:
                return False
            for earlier in logged.words[1:]:
                assert html.escape(earlier) in self.t_page, "the therapist lacks a version"
        else:
            raise AssertionError(f"no check for {key} about an entry")
        return True

    def couple(self, key: str) -> bool:
        """Check a sentence about the couple; False when it speaks of another case."""
        world = self.world
        if key in ("policy.open", "therapist.policy_open"):
            return self.policy_words("open")
        if key in ("policy.limited", "therapist.policy_limited"):
            return self.policy_words("limited")
        if key in ("policy.completion_shared", "therapist.completion_shared"):
            return self.completion_policy(since=False)
        if key in ("policy.completion_shared_since", "therapist.completion_shared_since"):
            return self.completion_policy(since=True)
        if key in ("policy.completion_not_shared", "therapist.completion_not_shared"):
            return self.no_completion()
        if key in ("policy.one_partner", "therapist.one_partner"):
            self.one_partner_unseen()
            return True
        if key == "policy.therapist":  # found only if it names the therapist who has it now
            for logged in world.logged.values():
                self.therapist_reads(logged)
            return True
        if key in ("notice.changed", "notice.changed_before_move"):
            # Who changed it, as the therapist who has the couple reads its audit trail.
            audit = world.clients["t"].get(f"/therapist/couples/{world.couple_id}/audit").text
            [actor] = re.findall(r"<td>([^<]*)</td>\s*<td>completion_sharing.changed</td>",
                                 audit)
            assert (actor == world.users["t"].name) == (key == "notice.changed"), actor
            return True
        if key in ("notice.now_shared", "therapist.now_shared"):
            return self.completion_policy(since=True)
        if key in ("notice.now_not_shared", "therapist.now_not_shared"):
            if not self.no_completion():
                return False
            for logged in self.given_both():  # written entries follow the policy
                if not self.is_private(logged):
                    self.words_read(logged)
            return True
        if key == "entry.draft":
            assert world.draft in world.clients["a"].get(world.url("both", DAYS[3])).text
            assert world.draft not in self.b.everything and world.draft not in self.t_page
            return True
        if key == "measure.therapist_only":
            url = f"/portal/measures/{world.session_id}"
            assert without_tokens(self.b.pages[url][1]) == world.b_measure_before
            session = world.clients["t"].get(f"/therapist/sessions/{world.session_id}").text
            assert "<strong>15</strong>" in session  # A's score, 4 + 4 + 3 + 4
            if world.changed:
                assert world.clients["f"].get(f"/therapist/sessions/{world.session_id}"
                                              ).status_code == 404
            return True
        raise AssertionError(f"no check for {key} about the couple")

    def badges(self) -> None:
        """The therapist's badge on each entry says whether B reads its words."""
        for logged in self.world.logged.values():
            badge = badge_of(self.t_page, logged)
            if self.b_reads(logged):
                assert badge == say("therapist.shared"), logged.name
                self.world.checked.add("therapist.shared")
            else:
                assert badge == say("therapist.private"), logged.name
                self.world.checked.add("therapist.private")
            self.world.shown.append(("therapist." + ("shared" if self.b_reads(logged)
                                                     else "private"), logged.name))

    def nothing_shows_it_exists(self) -> None:
        """B's every page is the same with and without each entry B must not know of."""
        before = self.b.normalised()
        db = self.world.db
        for name in sorted(self.world.unseen):
            entry = db.session.get(Entry, self.entries[name].id)
            db.session.execute(sa.delete(EntryRevision).where(EntryRevision.entry_id == entry.id))
            db.session.delete(entry)
            db.session.commit()
            after = b_sees(self.world).normalised()
            changed = [url for url in before if before[url] != after[url]]
            assert not changed, f"B's pages change without {name}: {changed}"
            before = after


ENTRY_KEYS = {"entry.completion_shared", "entry.completion_not_shared", "entry.one_partner",
              "choice.therapist", "choice.partner", "choice.private_completion_seen",
              "choice.private_unseen", "entry.open_words", "readers.therapist",
              "readers.therapist_short", "readers.both", "readers.both_short",
              "entry.earlier_versions"}
COUPLE_KEYS = {"policy.open", "policy.limited", "policy.completion_shared",
               "policy.completion_shared_since", "policy.completion_not_shared",
               "policy.one_partner", "policy.therapist", "notice.changed",
               "notice.changed_before_move", "notice.now_shared",
               "notice.now_not_shared", "entry.draft", "measure.therapist_only",
               "therapist.policy_open", "therapist.policy_limited",
               "therapist.completion_shared", "therapist.completion_shared_since",
               "therapist.completion_not_shared", "therapist.one_partner",
               "therapist.now_shared", "therapist.now_not_shared"}
# Checked where they are shown: the sharing steps, and the badges on the therapist's page.
CHECKED_WHERE_SHOWN = {"share.confirm", "share.done", "share.undone", "therapist.private",
                       "therapist.shared"}
# Checked where they are shown: beside the private safety check (answer_privately).
CHECKED_WHERE_SHOWN |= {"safety.readers", "safety.between_sessions", "safety.not_shown_again"}


def answer_privately(world: World, mailbox) -> None:
    """A answers the private safety check with a concern and a word: what the check says
    beside it holds."""
    a, t = world.clients["a"], world.clients["t"]
    before = b_sees(world).normalised()
    page = a.get("/portal/for-you")
    assert page.status_code == 200
    keys = ("safety.readers", "safety.between_sessions", "safety.not_shown_again")
    for key in keys:
        assert " ".join(say(key).split()) in text_of(page.text), key
    secret = "A word only the therapist may read"
    sent = a.post("/portal/for-you", data={
        **tokens_in(page.text), "note": secret,
        **{f"q_{q.key}": q.options[1].key for q in QUESTIONS}})
    assert sent.status_code == 302
    # safety.readers: the therapist who has the couple reads it; B's pages are the same.
    assert secret in t.get(f"/therapist/couples/{world.couple_id}/private-answers").text
    assert b_sees(world).normalised() == before
    # safety.between_sessions: what reaches the therapist at once is a plea to sign in,
    # nothing of what was written.
    [mail] = mailbox.messages
    assert mail["To"] == world.users["t"].email and secret not in str(mail)
    mailbox.messages.clear()
    # safety.not_shown_again: none of A's pages shows it; A can add to it.
    for url in ("/portal/", "/portal/for-you", "/portal/for-you/thanks", "/portal/for-you/more"):
        assert secret not in a.get(url, follow_redirects=True).text
    assert a.get("/portal/for-you/more").status_code == 200
    for key in keys:
        world.shown.append((key, None))
        world.checked.add(key)


def read_everything(world: World) -> None:
    """The pages A and the therapist are shown at the end, each with its subject."""
    a, t = world.clients["a"], world.clients["t"]
    portal = a.get("/portal/").text
    world.read(portal, None, only=tuple(k for k in COUPLE_KEYS if k != "entry.draft"))
    for logged in world.logged.values():  # A's day in the portal: who reads it
        section = re.search(rf'aria-labelledby="hw-{world.assignments[logged.mode]}">(.*?)'
                            "</section>", portal, re.S).group(1)
        name = "Today" if logged.day == DAYS[3] else logged.day.strftime("%a %d")
        day = next(d for d in re.findall(r'<li class="day[^"]*">(.*?)</li>', section, re.S)
                   if f'<span class="day-name">{name}</span>' in d)
        world.read(day, logged.name, only=("readers.therapist_short", "readers.both_short"))
    for logged in world.logged.values():
        world.read(a.get(world.url(logged.mode, logged.day)).text, logged.name,
                   only=tuple(ENTRY_KEYS))
    for mode in ("joint", "one"):  # a new entry's form: what it will be
        world.read(a.get(world.url(mode, DAYS[3])).text, None)
    couple_page = t.get(f"/therapist/couples/{world.couple_id}").text
    world.read(couple_page, None, only=tuple(COUPLE_KEYS))
    assign = t.get(f"/therapist/couples/{world.couple_id}/assign?exercise="
                   f"{world.spare_exercise}")
    assert assign.status_code == 200
    world.read(assign.text, None, only=tuple(COUPLE_KEYS))


@pytest.mark.parametrize(("policy", "shared", "history"), WORLDS,
                         ids=[f"{p}-{'shared' if s else 'not shared'}-{h}" for p, s, h in WORLDS])
def test_each_sentence_is_true_for_the_people_it_speaks_about(
        app, db, make_practice, make_user, make_couple, clock, mailbox, policy, shared, history):
    world = World(policy, shared, history, app, db)
    build(world, make_practice, make_user, make_couple, clock)
    read_everything(world)
    checks = Checks(world)
    checks.badges()
    entry_sentences = [(k, s) for k, s in world.shown if k in ENTRY_KEYS and s in world.logged]
    for key, subject in sorted(set(entry_sentences)):
        if checks.entry(key, world.logged[subject]):
            world.checked.add(key)
    couple_keys = {k for k, s in world.shown if k in COUPLE_KEYS}
    for key in sorted(couple_keys):
        if checks.couple(key):
            world.checked.add(key)
    checks.nothing_shows_it_exists()
    answer_privately(world, mailbox)
    # Nothing of this was mailed to anyone: mail names neither therapy nor a partner.
    assert mailbox.messages == []

    shown = {k for k, _ in world.shown}
    unknown = shown - ENTRY_KEYS - COUPLE_KEYS - CHECKED_WHERE_SHOWN
    assert not unknown, f"sentences without a check: {unknown}"
    assert shown <= world.checked | {k for k, s in world.shown if s is None
                                     and k in ENTRY_KEYS}, shown - world.checked
    FOUND[f"{policy}-{shared}-{history}"] = shown
    CHECKED[f"{policy}-{shared}-{history}"] = world.checked


# Said while the couple is on a safety hold; checked by the test below.
HELD_KEYS = {"policy.private_for_now", "entry.private_for_now", "share.not_now",
             "therapist.held"}
HELD_CHECKED: set[str] = set()
HELD_WORLDS = [(policy, shared) for policy in ("limited", "open") for shared in (True, False)]


@pytest.mark.parametrize(("policy", "shared"), HELD_WORLDS,
                         ids=[f"{p}-{'shared' if s else 'not shared'}" for p, s in HELD_WORLDS])
def test_the_sentences_of_a_safety_hold_are_true(app, db, make_couple, clock, mailbox,
                                                 policy, shared):
    """On a hold, whatever the policy and the setting: A is told that only the therapist
    reads what they write and that neither sees the other's completion; A logs (asking to
    share), tries to share, and B's every page stays as it was; B logs, and A's pages stay
    as they were; the therapist reads A's words and is told the same in their words."""
    from app.services.safety_hold import start_hold

    clock.set(NOW)
    couple = make_couple(policy=policy)
    couple.is_completion_shared = shared
    a, b = (p.user for p in couple.partners)
    walk = assign_exercise(couple.therapist, couple, create_own_exercise(couple.therapist, {
        "title": "An evening walk", "instructions": "Walk.", "prompts": ["What did you see?"],
        "cadence": "daily"}), mode="both", schedule=Schedule(start=MONDAY, cadence="daily"))
    start_hold(couple.therapist, couple)
    db.session.commit()
    clients = {}
    for who, user in (("a", a), ("b", b), ("t", couple.therapist)):
        clients[who] = app.test_client()
        sign_in(clients[who], user)
    day = f"/portal/homework/{walk.id}/{DAYS[3].isoformat()}"
    urls = ("/portal/", day)

    def pages(who: str) -> dict[str, str]:
        return {url: without_tokens(clients[who].get(url).text) for url in urls}

    def shown(page: str, key: str) -> bool:
        return say(key) in text_of(page)

    b_before, a_before = pages("b"), pages("a")
    assert shown(a_before["/portal/"], "policy.private_for_now")
    form = a_before[day]
    assert shown(form, "entry.private_for_now") and 'name="visibility"' not in form
    words = f"held words {policy} {shared}"
    page = clients["a"].get(day).text
    saved = clients["a"].post(day, data={**tokens_in(page), "completion": "done",
                                         "answer-0": words, "visibility": "partner"})
    assert saved.status_code == 302
    assert shown(flash_of(clients["a"].get(saved.headers["Location"]).text),
                 "readers.therapist")
    entry = db.session.scalar(sa.select(Entry).where(Entry.author_id == a.id))
    if policy == "limited":  # under the open policy there is no sharing to refuse
        refused = clients["a"].get(f"/portal/entries/{entry.id}/share",
                                   follow_redirects=True)
        assert shown(flash_of(refused.text), "share.not_now")
        HELD_CHECKED.add("share.not_now")
    assert pages("b") == b_before  # neither A's words nor A's completion, nor the entry
    db.session.refresh(entry)
    assert entry.visibility == "therapist"
    HELD_CHECKED.update({"policy.private_for_now", "entry.private_for_now"})

    a_now = pages("a")
    page = clients["b"].get(day).text
    assert clients["b"].post(day, data={**tokens_in(page), "completion": "not_done",
                                        "answer-0": "b's words"}).status_code == 302
    assert pages("a")["/portal/"] == a_now["/portal/"]  # nor B's completion to A
    couple_page = clients["t"].get(f"/therapist/couples/{couple.id}").text
    assert shown(couple_page, "therapist.held") and html.escape(words) in couple_page
    HELD_CHECKED.add("therapist.held")
    assert mailbox.messages == []


def test_every_sentence_of_the_catalogue_has_a_check():
    assert set(SENTENCES) == ENTRY_KEYS | COUPLE_KEYS | CHECKED_WHERE_SHOWN | HELD_KEYS


def test_every_sentence_was_shown_and_checked_in_some_world():
    """Runs after the worlds above (file order); a partial run (-k) has nothing to judge."""
    if len(CHECKED) < len(WORLDS):
        pytest.skip("only some worlds ran")
    checked = set().union(*CHECKED.values()) | HELD_CHECKED
    assert set(SENTENCES) - checked == set()
