"""Slot maths (`scheduling.slots`) on plain values: the demo business's settings, services and
technicians, assembled into a `Setup` the way `scheduling.availability.load` does, with
calendars and staff built in memory.

The demo business (Europe/London) opens 08:00-18:00 on weekdays and 09:00-13:00 on Saturdays;
a survey takes 60 minutes plus 15 minutes' buffer, and every job is followed by 30 minutes'
travel. tech-1 works 08:00-18:00 every day (install, repair, survey; BS, BA), tech-2 Mon-Fri
08:00-17:00 and Saturday mornings (install, survey; BS), tech-3 Mon-Fri 08:00-17:00 (repair,
survey; BS, BA, GL)."""
import copy
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from chalicelib.core.validation import Fields
from chalicelib.data.models import CalendarDayModel, StaffModel
from chalicelib.scheduling import slots
from chalicelib.scheduling.slots import Job, Setup, TechnicianDay
from chalicelib.setup import business, catalog
from infra.demo_data import BUSINESS, SERVICES, STAFF, TECHNICIANS

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
WEDNESDAY = date(2026, 12, 2)  # London is on GMT in December: local time is UTC
MONDAY_BEFORE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
NAMES = {user_id: name for user_id, _, name, _ in STAFF}


def technician(user_id: str, **profile) -> StaffModel:
    data = {**copy.deepcopy(TECHNICIANS.get(user_id, {})), **profile}
    return StaffModel(user_id=user_id, email=f"{user_id}@example.com", name=NAMES.get(user_id, user_id),
                      role="technician", profile=data)


def calendar(user_id: str, day: date, *jobs: tuple[str, str, str]) -> CalendarDayModel:
    """A calendar day holding jobs given as (start, end, blocked_until) in ISO 8601."""
    return CalendarDayModel(user_id, day.isoformat(), booked_minutes=0, appointments=[
        {"order_id": f"WO-{i}", "start": s, "end": e, "blocked_until": b} for i, (s, e, b) in enumerate(jobs, 1)])


def business_settings(**changes) -> dict:
    """The demo business's settings, completed as `availability.load` completes them."""
    data = {**catalog.DEFAULT_SETTINGS, **copy.deepcopy(BUSINESS)}
    data["booking"] = {**business.DEFAULT_BOOKING_RULES, **data.get("booking", {}), **changes.pop("booking", {})}
    data.update(changes)
    return data


def make_setup(days, service_id="survey", techs=None, calendars=(), settings=None, service=None) -> Setup:
    techs = [technician(t) for t in TECHNICIANS] if techs is None else techs
    by_key = {(c.technician_id, date.fromisoformat(c.day)): c for c in calendars}
    tech_days = {}
    for t in techs:
        for d in days:
            cal = by_key.get((t.user_id, d))
            tech_days[(t.user_id, d)] = TechnicianDay(t, d, cal, slots.jobs_of(cal))
    if service is None and service_id:
        service = {"id": service_id, **SERVICES[service_id]}
    return Setup(settings or business_settings(), service, techs, tech_days)


def only(user_id: str, **profile) -> list[StaffModel]:
    return [technician(user_id, **profile)]


def local_starts(found: list[dict]) -> list[str]:
    return [s["start"][11:16] for s in found]


def every_half_hour(first: str, last: str) -> list[str]:
    t = datetime.combine(WEDNESDAY, time.fromisoformat(first))
    result = []
    while t.strftime("%H:%M") <= last:
        result.append(t.strftime("%H:%M"))
        t += timedelta(minutes=30)
    return result


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- the grid inside opening and working hours --------------------------------------------------------

def test_a_free_day_offers_every_grid_start_inside_opening_and_working_hours():
    # Given tech-1 (08:00-18:00) alone, and a business open 08:00-18:00
    setup = make_setup([WEDNESDAY], techs=only("tech-1"))
    found = slots.slots(setup, [WEDNESDAY], None, MONDAY_BEFORE)
    # Then a 60-minute survey may start every half hour from 08:00 to 17:00 (it ends by 18:00)
    assert local_starts(found) == every_half_hour("08:00", "17:00")
    assert found[0] == {"start": "2026-12-02T08:00:00+00:00", "end": "2026-12-02T09:00:00+00:00"}


def test_candidate_starts_are_the_grid_of_the_opening_hours_where_the_job_also_ends_inside():
    setup = make_setup([WEDNESDAY], service_id="door-install")  # 240 minutes
    starts = slots.candidate_starts(setup, WEDNESDAY)
    assert [s.strftime("%H:%M") for s in starts] == every_half_hour("08:00", "14:00")
    assert all(s.tzinfo is not None and s.utcoffset() == timedelta(0) for s in starts)


def test_a_day_with_two_opening_windows_offers_starts_in_each():
    hours = {"wed": [["08:00", "10:00"], ["13:00", "15:00"]]}
    setup = make_setup([WEDNESDAY], settings=business_settings(opening_hours=hours))
    assert [s.strftime("%H:%M") for s in slots.candidate_starts(setup, WEDNESDAY)] == [
        "08:00", "08:30", "09:00", "13:00", "13:30", "14:00"]


def test_a_closed_day_has_no_starts():
    sunday = date(2026, 12, 6)
    setup = make_setup([sunday], techs=only("tech-1"))  # tech-1 works Sundays, the business does not open
    assert slots.candidate_starts(setup, sunday) == []
    assert slots.slots(setup, [sunday], None, MONDAY_BEFORE) == []


def test_working_hours_bound_the_slots():
    # tech-2 works until 17:00: the last survey starts at 16:00
    setup = make_setup([WEDNESDAY], techs=only("tech-2"))
    assert local_starts(slots.slots(setup, [WEDNESDAY], None, MONDAY_BEFORE)) == every_half_hour("08:00", "16:00")


def test_a_job_must_fit_inside_one_working_window():
    # Given a technician who breaks for lunch 12:00-13:00
    tech = technician("tech-1", working_hours={"wed": [["08:00", "12:00"], ["13:00", "18:00"]]})
    setup = make_setup([WEDNESDAY], techs=[tech])
    free = local_starts(slots.slots(setup, [WEDNESDAY], None, MONDAY_BEFORE))
    # Then no survey straddles the break
    assert "11:30" not in free and "12:00" not in free and "12:30" not in free
    assert "11:00" in free and "13:00" in free


def test_a_technician_without_working_hours_is_never_free():
    setup = make_setup([WEDNESDAY], techs=[StaffModel(user_id="tech-9", email="t9@example.com", name="New", role="technician",
                                                      profile={"skills": ["survey"], "areas": ["BS"]})])
    assert slots.slots(setup, [WEDNESDAY], None, MONDAY_BEFORE) == []


# --- time off and other jobs -------------------------------------------------------------------------

def test_time_off_removes_the_slots_it_touches():
    # Given tech-1 at the dentist 13:00-15:00
    tech = technician("tech-1", time_off=[{"id": "TO-1", "start": "2026-12-02T13:00:00+00:00",
                                           "end": "2026-12-02T15:00:00+00:00", "reason": "Dentist"}])
    setup = make_setup([WEDNESDAY], techs=[tech])
    # Then a survey may end at 13:00 and start at 15:00, nothing in between
    free = local_starts(slots.slots(setup, [WEDNESDAY], None, MONDAY_BEFORE))
    assert free == every_half_hour("08:00", "12:00") + every_half_hour("15:00", "17:00")


def test_time_off_given_in_another_offset_is_the_same_instant():
    tech = technician("tech-1", time_off=[{"id": "TO-1", "start": "2026-12-02T14:00:00+01:00",
                                           "end": "2026-12-02T16:00:00+01:00", "reason": "Dentist"}])
    setup = make_setup([WEDNESDAY], techs=[tech])
    free = local_starts(slots.slots(setup, [WEDNESDAY], None, MONDAY_BEFORE))
    assert "12:00" in free and "12:30" not in free and "14:30" not in free and "15:00" in free


def test_a_booking_blocks_its_time_plus_service_buffer_and_travel():
    # Given a survey 10:00-11:00, busy until 11:45 (15 minutes' buffer, 30 minutes' travel)
    cal = calendar("tech-1", WEDNESDAY, ("2026-12-02T10:00:00+00:00", "2026-12-02T11:00:00+00:00", "2026-12-02T11:45:00+00:00"))
    setup = make_setup([WEDNESDAY], techs=only("tech-1"), calendars=[cal])
    free = local_starts(slots.slots(setup, [WEDNESDAY], None, MONDAY_BEFORE))
    # Then a new survey needs its own 45 minutes after it before 10:00 (so 08:00 but not 08:30),
    # and may start once the first is clear (12:00, the next grid start after 11:45)
    assert free == ["08:00"] + every_half_hour("12:00", "17:00")


def test_the_job_of_a_setup_ends_after_the_service_and_is_blocked_for_buffer_and_travel():
    setup = make_setup([WEDNESDAY])
    start = at("2026-12-02T10:00:00+00:00")
    assert setup.job(start) == Job(start, at("2026-12-02T11:00:00+00:00"), at("2026-12-02T11:45:00+00:00"))
    # without a service a job needs its end, and is followed by travel only
    bare = make_setup([WEDNESDAY], service_id=None)
    assert bare.job(start, at("2026-12-02T12:00:00+00:00")).blocked_until == at("2026-12-02T12:30:00+00:00")


@pytest.mark.parametrize("start, blocked_until, overlaps", [
    ("08:00", "09:59", False),  # ends (with its travel) just before the other starts
    ("08:00", "10:00", False),  # touching is not overlapping
    ("08:00", "10:01", True),
    ("11:44", "13:00", True),  # starts while the other is still blocked
    ("11:45", "13:00", False),
    ("10:15", "10:30", True),  # inside
    ("09:00", "12:00", True),  # around
])
def test_jobs_overlap_when_their_blocked_times_intersect(start, blocked_until, overlaps):
    other = Job(at("2026-12-02T10:00:00+00:00"), at("2026-12-02T11:00:00+00:00"), at("2026-12-02T11:45:00+00:00"))
    assert other.overlaps(at(f"2026-12-02T{start}:00+00:00"), at(f"2026-12-02T{blocked_until}:00+00:00")) is overlaps


def test_a_job_is_free_again_when_its_own_booking_is_left_out():
    # Given tech-1 booked 10:00-11:00 for WO-1
    cal = calendar("tech-1", WEDNESDAY, ("2026-12-02T10:00:00+00:00", "2026-12-02T11:00:00+00:00", "2026-12-02T11:45:00+00:00"))
    setup = make_setup([WEDNESDAY], techs=only("tech-1"), calendars=[cal])
    tech_day = setup.days[("tech-1", WEDNESDAY)]
    moved = setup.job(at("2026-12-02T10:30:00+00:00"))
    # Then moving WO-1 half an hour later clashes only with others, not with itself
    assert not slots.is_free(setup, tech_day, moved)
    assert slots.is_free(setup, tech_day, moved, except_order="WO-1")
    assert not slots.is_free(setup, tech_day, moved, except_order="WO-2")


def test_jobs_of_reads_a_calendar_and_leaves_out_one_order():
    cal = calendar("tech-1", WEDNESDAY,
                   ("2026-12-02T08:00:00+00:00", "2026-12-02T09:00:00+00:00", "2026-12-02T09:45:00+00:00"),
                   ("2026-12-02T13:00:00+00:00", "2026-12-02T14:00:00+00:00", "2026-12-02T14:45:00+00:00"))
    assert [j.start.hour for j in slots.jobs_of(cal)] == [8, 13]
    assert [j.start.hour for j in slots.jobs_of(cal, except_order="WO-1")] == [13]
    assert slots.jobs_of(None) == []


def test_a_slot_stays_offered_while_any_qualified_technician_is_free():
    # Given two of the three survey technicians booked at 10:00
    job = ("2026-12-02T10:00:00+00:00", "2026-12-02T11:00:00+00:00", "2026-12-02T11:45:00+00:00")
    setup = make_setup([WEDNESDAY], calendars=[calendar("tech-1", WEDNESDAY, job), calendar("tech-2", WEDNESDAY, job)])
    start = at("2026-12-02T10:00:00+00:00")
    # Then 10:00 is still offered, with tech-3 the one free
    assert [d.technician.user_id for d in slots.free_technicians(setup, start, "BS1 1AA")] == ["tech-3"]
    assert "10:00" in local_starts(slots.slots(setup, [WEDNESDAY], "BS1 1AA", MONDAY_BEFORE))
    # And once tech-3 is booked too, it is not
    full = make_setup([WEDNESDAY], calendars=[calendar(t, WEDNESDAY, job) for t in ("tech-1", "tech-2", "tech-3")])
    assert slots.free_technicians(full, start, "BS1 1AA") == []
    assert "10:00" not in local_starts(slots.slots(full, [WEDNESDAY], "BS1 1AA", MONDAY_BEFORE))


def test_a_technician_whose_day_was_not_loaded_is_not_offered():
    setup = make_setup([WEDNESDAY])
    thursday = at("2026-12-03T10:00:00+00:00")
    assert slots.free_technicians(setup, thursday, None) == []


# --- skills and service areas ------------------------------------------------------------------------

@pytest.mark.parametrize("service_id, postcode, expected", [
    ("survey", None, ["tech-1", "tech-2", "tech-3"]),
    ("survey", "GL1 2AB", ["tech-3"]),  # only tech-3 covers Gloucester
    ("survey", "ba1 2qt", ["tech-1", "tech-3"]),  # postcodes are read without case or spaces
    ("survey", "  B S 6 5AB ", ["tech-1", "tech-2", "tech-3"]),
    ("window-install", "GL1", []),  # tech-3 does no installations
    ("window-install", "BS6 5AB", ["tech-1", "tech-2"]),
    ("glazing-repair", "BA1 2QT", ["tech-1", "tech-3"]),
    ("survey", "ZZ9 9ZZ", []),
    (None, "GL1", ["tech-3"]),  # a job without a service needs no skill
])
def test_qualified_technicians_have_the_skill_and_cover_the_postcode(service_id, postcode, expected):
    setup = make_setup([WEDNESDAY], service_id=service_id)
    assert [t.user_id for t in slots.qualified(setup, postcode)] == expected


def test_an_area_is_a_prefix_of_the_postcode():
    tech = technician("tech-1", areas=["BS1"])
    setup = make_setup([WEDNESDAY], techs=[tech])
    assert slots.qualified(setup, "BS1 4DJ") == [tech]
    assert slots.qualified(setup, "BS10 5AA") == [tech]  # a prefix, not an outward code
    assert slots.qualified(setup, "BS6 5AB") == []


def test_service_area_and_skill_filter_the_slots():
    setup = make_setup([WEDNESDAY])
    # only tech-3 covers GL, and works until 17:00
    assert local_starts(slots.slots(setup, [WEDNESDAY], "GL1 2AB", MONDAY_BEFORE)) == every_half_hour("08:00", "16:00")
    install = make_setup([WEDNESDAY], service_id="window-install")
    assert slots.slots(install, [WEDNESDAY], "GL1", MONDAY_BEFORE) == []


# --- notice, how far ahead, the grid ----------------------------------------------------------------

def test_minimum_notice_removes_starts_too_soon():
    # Given it is 09:10 on the day, with two hours' notice needed
    now = at("2026-12-02T09:10:00+00:00")
    setup = make_setup([WEDNESDAY], techs=only("tech-1"))
    # Then the first start is the first grid start at or after 11:10
    assert local_starts(slots.slots(setup, [WEDNESDAY], None, now))[0] == "11:30"


def test_a_start_exactly_at_the_minimum_notice_is_offered():
    now = at("2026-12-02T09:00:00+00:00")
    setup = make_setup([WEDNESDAY], techs=only("tech-1"))
    assert local_starts(slots.slots(setup, [WEDNESDAY], None, now))[0] == "11:00"


def test_the_bookable_window_is_the_notice_from_now_and_the_days_ahead_from_the_local_date():
    # Given 23:30 UTC on 1 December, already 2 December in Auckland (+13:00)
    now = at("2026-12-01T23:30:00+00:00")
    setup = make_setup([WEDNESDAY], settings=business_settings(timezone="Pacific/Auckland"))
    earliest, last_day = slots.bookable_window(setup, now)
    assert earliest == now + timedelta(minutes=120)
    assert last_day == date(2026, 12, 2) + timedelta(days=60)
    # and in London it is still 1 December
    earliest, last_day = slots.bookable_window(make_setup([WEDNESDAY]), now)
    assert last_day == date(2026, 12, 1) + timedelta(days=60)


def test_days_past_the_last_bookable_day_offer_nothing():
    now = MONDAY_BEFORE
    setup = make_setup([WEDNESDAY], techs=only("tech-1"), settings=business_settings(booking={"max_days_ahead": 1}))
    # the last bookable day is Tuesday 1 December
    assert slots.slots(setup, [WEDNESDAY], None, now) == []
    setup = make_setup([WEDNESDAY], techs=only("tech-1"), settings=business_settings(booking={"max_days_ahead": 2}))
    assert slots.slots(setup, [WEDNESDAY], None, now) != []


@pytest.mark.parametrize("start, on", [
    ("2026-12-02T10:00:00+00:00", True),
    ("2026-12-02T10:30:00+00:00", True),
    ("2026-12-02T10:15:00+00:00", False),
    ("2026-12-02T10:00:01+00:00", False),
    ("2026-12-02T10:00:00.5+00:00", False),
    ("2026-12-02T11:30:00+01:00", True),  # 10:30 in London: the grid is read in local time
    ("2026-12-02T10:45:00+05:45", True),  # Kathmandu 10:45 is 05:00 in London
    ("2026-12-02T10:00:00+05:45", False),  # 04:15 in London
])
def test_on_grid_reads_the_start_in_local_time(start, on):
    assert slots.on_grid(make_setup([WEDNESDAY]), at(start)) is on


def test_a_coarser_grid_offers_fewer_starts():
    setup = make_setup([WEDNESDAY], techs=only("tech-1"), settings=business_settings(booking={"slot_grid_minutes": 60}))
    assert local_starts(slots.slots(setup, [WEDNESDAY], None, MONDAY_BEFORE)) == [f"{h:02d}:00" for h in range(8, 18)]


def test_every_offered_start_is_on_the_grid_the_booking_checks():
    # Given a business that opens at 08:15 (any HH:MM is accepted) on a 30-minute grid
    hours = {"wed": [["08:15", "12:00"]]}
    setup = make_setup([WEDNESDAY], techs=only("tech-1"), settings=business_settings(opening_hours=hours))
    offered = [at(s["start"]) for s in slots.slots(setup, [WEDNESDAY], None, MONDAY_BEFORE)]
    # Then a customer who picks an offered slot passes the booking's grid check
    assert offered and all(slots.on_grid(setup, s) for s in offered)


# --- timezones and daylight saving ---------------------------------------------------------------------

def test_slots_on_the_spring_daylight_saving_day_carry_the_right_offsets():
    # Given opening 09:00-12:00 every day; London goes to BST at 01:00 UTC on Sunday 28 March 2027
    hours = {d: [["09:00", "12:00"]] for d in business.DAYS}
    settings = business_settings(opening_hours=hours, booking={"max_days_ahead": 365})
    days = [date(2027, 3, 27), date(2027, 3, 28)]
    setup = make_setup(days, techs=only("tech-1"), settings=settings)
    by_day: dict[str, list[str]] = {}
    for s in slots.slots(setup, days, None, MONDAY_BEFORE):
        by_day.setdefault(s["start"][:10], []).append(s["start"][11:])
    # Then Saturday's slots are in GMT and Sunday's in BST, each from 09:00 local
    assert by_day["2027-03-27"] == ["09:00:00+00:00", "09:30:00+00:00", "10:00:00+00:00", "10:30:00+00:00", "11:00:00+00:00"]
    assert by_day["2027-03-28"][0] == "09:00:00+01:00" and by_day["2027-03-28"][-1] == "11:00:00+01:00"
    # And 09:00 BST is 08:00 UTC
    assert slots.candidate_starts(setup, date(2027, 3, 28))[0] == at("2027-03-28T08:00:00+00:00")


def test_slots_on_the_autumn_daylight_saving_day_carry_the_right_offsets():
    # London goes back to GMT at 01:00 UTC on Sunday 25 October 2026
    hours = {d: [["09:00", "12:00"]] for d in business.DAYS}
    days = [date(2026, 10, 24), date(2026, 10, 25)]
    setup = make_setup(days, techs=only("tech-1"), settings=business_settings(opening_hours=hours))
    now = at("2026-10-20T08:00:00+00:00")
    found = slots.slots(setup, days, None, now)
    assert [s["start"] for s in found if s["start"].endswith("09:00:00+01:00") or s["start"].endswith("09:00:00+00:00")] == [
        "2026-10-24T09:00:00+01:00", "2026-10-25T09:00:00+00:00"]
    assert slots.candidate_starts(setup, date(2026, 10, 24))[0] == at("2026-10-24T08:00:00+00:00")
    assert slots.candidate_starts(setup, date(2026, 10, 25))[0] == at("2026-10-25T09:00:00+00:00")


def test_working_hours_and_time_off_meet_across_the_daylight_saving_change():
    # Given tech-1 off 08:00-09:00 UTC on the Sunday BST begins: 09:00-10:00 local
    hours = {d: [["09:00", "12:00"]] for d in business.DAYS}
    settings = business_settings(opening_hours=hours, booking={"max_days_ahead": 365})
    sunday = date(2027, 3, 28)
    tech = technician("tech-1", time_off=[{"id": "TO-1", "start": "2027-03-28T08:00:00+00:00",
                                           "end": "2027-03-28T09:00:00+00:00", "reason": "Late start"}])
    setup = make_setup([sunday], techs=[tech], settings=settings)
    found = [s["start"][11:16] for s in slots.slots(setup, [sunday], None, MONDAY_BEFORE)]
    assert found == ["10:00", "10:30", "11:00"]


def test_a_job_in_the_evening_belongs_to_the_local_date_not_the_utc_one():
    # Given a business in New York (UTC-5 in December) open until 20:00
    hours = {d: [["08:00", "20:00"]] for d in business.DAYS}
    settings = business_settings(timezone="America/New_York", opening_hours=hours)
    tech = technician("tech-1", working_hours=hours)
    setup = make_setup([WEDNESDAY], techs=[tech], settings=settings)
    start = at("2026-12-03T00:00:00+00:00")  # 19:00 on Wednesday in New York
    # Then the job is checked against Wednesday's calendar and hours
    assert [d.day for d in slots.free_technicians(setup, start, None)] == [WEDNESDAY]


def test_days_around_a_moment_are_its_utc_date_and_the_days_either_side():
    moment = datetime(2026, 12, 2, 0, 30, tzinfo=timezone(timedelta(hours=2)))  # 22:30 UTC on 1 December
    assert slots.days_around(moment) == [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)]


@hypothesis_settings(max_examples=25, deadline=None)
@given(st.sampled_from(["Europe/London", "Pacific/Auckland", "America/New_York", "Asia/Kathmandu", "Pacific/Kiritimati"]),
       st.integers(min_value=0, max_value=23 * 60 + 59))
def test_the_local_date_of_any_moment_is_among_the_days_around_it(zone, minute):
    moment = datetime(2026, 3, 29, tzinfo=UTC) + timedelta(minutes=minute)
    assert moment.astimezone(ZoneInfo(zone)).date() in slots.days_around(moment)


@hypothesis_settings(max_examples=25, deadline=None)
@given(st.integers(min_value=16, max_value=34).map(lambda q: q * 30))
def test_no_offered_slot_clashes_with_a_booked_job_with_either_job_s_buffer(start_minute):
    # Given tech-1 alone with one survey booked somewhere between 08:00 and 17:00
    booked_start = datetime.combine(WEDNESDAY, time(0), UTC) + timedelta(minutes=start_minute)
    setup = make_setup([WEDNESDAY], techs=only("tech-1"))
    existing = setup.job(booked_start)
    cal = calendar("tech-1", WEDNESDAY, (existing.start.isoformat(), existing.end.isoformat(), existing.blocked_until.isoformat()))
    setup = make_setup([WEDNESDAY], techs=only("tech-1"), calendars=[cal])
    # Then every slot offered keeps clear of it, counting the new job's buffer too
    for s in slots.slots(setup, [WEDNESDAY], None, MONDAY_BEFORE):
        new = setup.job(at(s["start"]))
        assert new.blocked_until <= existing.start or existing.blocked_until <= new.start


# --- the weekly hours they stand on --------------------------------------------------------------------

def test_windows_on_a_local_date_are_utc_intervals():
    hours = {"sun": [["09:00", "12:00"]]}
    assert business.windows_on(hours, date(2027, 3, 28), LONDON) == [
        (at("2027-03-28T08:00:00+00:00"), at("2027-03-28T11:00:00+00:00"))]
    assert business.windows_on(hours, date(2027, 3, 21), LONDON) == [
        (at("2027-03-21T09:00:00+00:00"), at("2027-03-21T12:00:00+00:00"))]
    assert business.windows_on(hours, date(2027, 3, 22), LONDON) == []


@pytest.mark.parametrize("hours, field", [
    ({"mon": [["09:00", "08:00"]]}, "opening_hours.mon"),  # ends before it starts
    ({"mon": [["08:00", "12:00"], ["11:00", "14:00"]]}, "opening_hours.mon"),  # overlap
    ({"mon": [["8:00", "12:00"]]}, "opening_hours.mon"),
    ({"mon": [["24:00", "25:00"]]}, "opening_hours.mon"),
    ({"mon": "08:00-12:00"}, "opening_hours.mon"),
    ({"monday": []}, "opening_hours"),
    (["mon"], "opening_hours"),
])
def test_bad_weekly_hours_are_refused_naming_the_day(hours, field):
    fields = Fields({})
    assert business.validate_hours(hours, "opening_hours", fields) is None
    assert [e["field"] for e in fields.errors] == [field]


def test_good_weekly_hours_are_kept_with_every_day_listed():
    fields = Fields({})
    clean = business.validate_hours({"mon": [["08:00", "12:00"], ["13:00", "17:00"]]}, "opening_hours", fields)
    assert fields.errors == []
    assert clean["mon"] == [["08:00", "12:00"], ["13:00", "17:00"]] and clean["sun"] == [] and list(clean) == list(business.DAYS)


def test_an_hour_with_a_trailing_newline_is_refused():
    fields = Fields({})
    business.validate_hours({"mon": [["08:00", "17:00\n"]]}, "opening_hours", fields)
    assert fields.errors
