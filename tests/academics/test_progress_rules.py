"""Progress by long semester and year of study, the flags for a decision and the graduating year, as the handbook
says (Academic Rules 10, 11, 15, 35-38; Supplementary 32 and its note; Assessment 33); no database."""

from datetime import date
from decimal import Decimal

import pytest

from academics.rules import (
    AcademicFlag,
    FlagKind,
    LongSemester,
    ProgressRequirement,
    QuitFlag,
    TermCredits,
    completed_study_years,
    graduating_from,
    long_semester_of,
    normal_length_ends_on,
    study_progress,
)

D = Decimal
# A four-year programme of 160 credits, as the office would set it.
FOUR_YEARS = ProgressRequirement(graduation_credits=D(160), normal_length_years=4)


def term(code, credits, ends_on=date(2000, 1, 1)):
    return TermCredits(code, ends_on, D(credits))


def years_of(first_year, *credits_per_year):
    """Terms of consecutive academic years from `first_year`, the year's credits split over its two long semesters."""
    terms = []
    for offset, credits in enumerate(credits_per_year):
        year = first_year + offset
        half = D(credits) / 2
        terms += [term(f"{year}-{year + 1}-1", half), term(f"{year}-{year + 1}-2", half)]
    return terms


# --- Long semesters (Supplementary 32 note; Assessment 33) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "long_semester"),
    [
        ("2025-2026-1", LongSemester(2025, 1)),  # autumn/winter
        ("2025-2026-2", LongSemester(2025, 2)),  # spring/summer
        ("2025-2026-3", LongSemester(2025, 2)),  # a short term is recorded in the spring/summer semester
        ("2025-2026-7", LongSemester(2025, 2)),
    ],
)
def test_terms_1_and_2_are_the_long_semesters_and_a_short_term_counts_in_spring_summer(code, long_semester):
    assert long_semester_of(code) == long_semester
    assert long_semester_of(code).code == f"2025-2026-{long_semester.half}"


@pytest.mark.parametrize("code", ["2025-2027-1", "2025-2026-0", "2025-2026", "autumn", "", None])
def test_a_code_that_is_not_a_semester_is_refused(code):
    with pytest.raises(ValueError):
        long_semester_of(code)


# --- Years of study, the graduating year, the longest length (Academic Rules 10, 11, 15) --------------------------


@pytest.mark.parametrize(
    ("today", "years"),
    [
        (date(2024, 9, 1), 0),  # the first year has just begun
        (date(2025, 8, 31), 0),  # its last day
        (date(2025, 9, 1), 1),  # the second academic year begins on September 1
        (date(2026, 9, 1), 2),
        (date(2023, 12, 1), 0),  # before enrolment: nothing completed
    ],
)
def test_years_of_study_are_completed_when_the_next_academic_year_begins(today, years):
    assert completed_study_years(enrolment_year=2024, today=today) == years


def test_the_graduating_class_is_the_last_year_of_the_normal_length():
    assert graduating_from(enrolment_year=2024, normal_length_years=4) == 2027
    assert graduating_from(enrolment_year=2024, normal_length_years=6) == 2029  # MBBS


def test_the_normal_length_ends_on_the_eve_of_the_academic_year_after_it():
    assert normal_length_ends_on(enrolment_year=2024, normal_length_years=4) == date(2028, 8, 31)
    with pytest.raises(ValueError):
        normal_length_ends_on(enrolment_year=2024, normal_length_years=0)


# --- Academic Rules 15: 30 a year, 1/3 after two years, 1/2 after three ---------------------------------------------


@pytest.mark.parametrize(
    ("credits_per_year", "flags"),
    [
        ((30, 30, 30), []),  # exactly 30 a year; 60 >= 160 / 3 after two years, 90 >= 160 / 2 after three
        ((D("29.5"), 30), [(FlagKind.YEAR_BELOW_MINIMUM, "2024-2025")]),
        ((30, 23), [(FlagKind.YEAR_BELOW_MINIMUM, "2025-2026"), (FlagKind.BEHIND_AFTER_TWO_YEARS, "2025-2026")]),
        ((40, 40, 0), [(FlagKind.YEAR_BELOW_MINIMUM, "2026-2027")]),  # 80: exactly 1/2 of 160 after three years
        (
            (40, 39, 0),
            [(FlagKind.YEAR_BELOW_MINIMUM, "2026-2027"), (FlagKind.BEHIND_AFTER_THREE_YEARS, "2026-2027")],
        ),
    ],
)
def test_completed_years_are_checked_against_the_yearly_minimum_and_the_share_of_graduation_credits(
    credits_per_year, flags
):
    today = date(2024 + len(credits_per_year), 9, 15)
    progress = study_progress(
        terms=years_of(2024, *credits_per_year),
        enrolment_year=2024,
        program="regular",
        today=today,
        requirement=FOUR_YEARS,
    )
    year_flags = [(f.kind, f.period) for f in progress.flags if f.kind != FlagKind.CREDITS_WARNING]
    assert year_flags == flags


def test_exactly_one_third_after_two_years_is_enough():
    requirement = ProgressRequirement(graduation_credits=D(150), normal_length_years=4)
    on_the_line = study_progress(
        terms=years_of(2024, 30, 20), enrolment_year=2024, program="regular", today=date(2026, 9, 1),
        requirement=requirement, )  # fmt: skip
    under = study_progress(
        terms=years_of(2024, 30, D("19.5")), enrolment_year=2024, program="regular", today=date(2026, 9, 1),
        requirement=requirement,
    )  # fmt: skip
    assert FlagKind.BEHIND_AFTER_TWO_YEARS not in [f.kind for f in on_the_line.flags]
    assert FlagKind.BEHIND_AFTER_TWO_YEARS in [f.kind for f in under.flags]


def test_the_year_under_way_is_shown_but_not_checked():
    progress = study_progress(
        terms=[term("2024-2025-1", 10)], enrolment_year=2024, program="regular", today=date(2025, 3, 1),
        requirement=FOUR_YEARS,
    )  # fmt: skip
    (year,) = progress.years
    assert (year.year, year.label, year.credits, year.complete, year.below_minimum) == (
        1,
        "2024-2025",
        10,
        False,
        False,
    )
    assert progress.warnings == ()


def test_a_longer_programme_may_lower_the_yearly_minimum():
    requirement = ProgressRequirement(graduation_credits=D(240), normal_length_years=6, yearly_minimum=D(24))
    progress = study_progress(
        terms=years_of(2024, 25), enrolment_year=2024, program="mbbs", today=date(2025, 9, 1), requirement=requirement
    )
    assert progress.flags == ()


def test_years_past_the_normal_length_are_not_held_to_the_yearly_minimum():
    # Year 5 of a four-year programme: the longest length (Supplementary 32.IV) applies, not the pace of Rules 15.
    progress = study_progress(
        terms=years_of(2020, 40, 40, 40, 30, 5), enrolment_year=2020, program="regular", today=date(2025, 9, 1),
        requirement=FOUR_YEARS,
    )  # fmt: skip
    assert [f.kind for f in progress.flags] == []
    assert progress.years[4].below_minimum  # shown as under the minimum, not flagged


def test_without_the_programmes_requirement_only_the_credit_rule_is_checked():
    progress = study_progress(
        terms=years_of(2024, 10, 10), enrolment_year=2024, program="regular", today=date(2026, 9, 1)
    )
    assert progress.warnings == ()
    assert progress.longest_study_ends_on is None
    assert [f.kind for f in progress.flags] == [FlagKind.CREDITS]  # four long semesters of 5 credits


# --- Supplementary 32.I-III per long semester -----------------------------------------------------------------------


def test_only_long_semesters_that_have_ended_count():
    terms = [
        term("2024-2025-1", 5, ends_on=date(2025, 1, 10)),
        term("2024-2025-2", 5, ends_on=date(2025, 7, 10)),
        term("2025-2026-1", 5, ends_on=date(2026, 1, 10)),  # under way on the day below
    ]
    progress = study_progress(terms=terms, enrolment_year=2024, program="regular", today=date(2025, 12, 1))
    assert progress.counted_credits == (5, 5)
    assert not progress.shortfalls.must_quit and progress.shortfalls.next_short_semester_quits
    assert [(f.kind, f.period) for f in progress.flags] == [(FlagKind.CREDITS_WARNING, "2024-2025-2")]


def test_a_short_term_adds_its_credits_to_the_spring_summer_semester():
    terms = [term("2024-2025-2", 8), term("2024-2025-3", 4)]
    progress = study_progress(terms=terms, enrolment_year=2024, program="regular", today=date(2025, 9, 1))
    (spring,) = progress.long_semesters
    assert (spring.semester.code, spring.credits, spring.below_minimum) == ("2024-2025-2", 12, False)


def test_a_long_semester_is_complete_only_when_its_short_term_has_ended_too():
    terms = [term("2024-2025-2", 8, ends_on=date(2025, 7, 1)), term("2024-2025-3", 4, ends_on=date(2025, 8, 20))]
    progress = study_progress(terms=terms, enrolment_year=2024, program="regular", today=date(2025, 8, 1))
    assert progress.counted_credits == ()


@pytest.mark.parametrize(("credits", "short"), [(12, False), (D("11.5"), True)])
def test_exactly_twelve_credits_in_a_long_semester_is_enough(credits, short):
    progress = study_progress(
        terms=[term("2024-2025-1", credits)], enrolment_year=2024, program="regular", today=date(2025, 9, 1)
    )
    assert progress.long_semesters[0].below_minimum is short


def test_the_graduating_year_is_left_out_of_the_credit_rule():
    # Four-year programme from 2024: 2027-2028 is the graduating class (Supplementary 32.I "graduating students
    # excluded"); two short semesters before it and two in it are not four in all.
    terms = [term("2025-2026-1", 5), term("2025-2026-2", 5), term("2027-2028-1", 5), term("2027-2028-2", 5)]
    progress = study_progress(
        terms=terms, enrolment_year=2024, program="regular", today=date(2028, 9, 1), requirement=FOUR_YEARS
    )
    assert [s.graduating for s in progress.long_semesters] == [False, False, True, True]
    assert progress.counted_credits == (5, 5)
    assert QuitFlag.CREDITS not in progress.quit_flags


@pytest.mark.parametrize(
    ("program", "credits", "kind"),
    [
        ("regular", (5, 5, 5), FlagKind.CREDITS),  # 3 in a row
        ("regular", (5, 5), FlagKind.CREDITS_WARNING),  # one more would be 3 in a row
        ("regular", (5, 20, 5, 20, 5, 20, 5), FlagKind.CREDITS),  # 4 in all
        ("csl", (9, 9), FlagKind.CREDITS),  # CSL: under 10, twice in a row
        ("csl", (10, 10, 10), None),  # exactly 10 is enough
        ("mbbs", (11, 20, 11, 20, 11), FlagKind.CREDITS),  # MBBS: 3 in all
    ],
)
def test_the_credit_flag_is_named_by_the_latest_short_long_semester(program, credits, kind):
    terms = [term(f"{2010 + n}-{2011 + n}-1", c) for n, c in enumerate(credits)]
    progress = study_progress(terms=terms, enrolment_year=2010, program=program, today=date(2030, 1, 1))
    found = [f for f in progress.flags if f.kind in (FlagKind.CREDITS, FlagKind.CREDITS_WARNING)]
    if kind is None:
        assert found == []
        return
    last_short = max(n for n, c in enumerate(credits) if D(c) < progress.shortfalls.rule.below)
    assert found == [AcademicFlag(kind, f"{2010 + last_short}-{2011 + last_short}-1", D(credits[last_short]),
                                  progress.shortfalls.rule.below)]  # fmt: skip


# --- Supplementary 32.IV: the longest length of study ---------------------------------------------------------------


def test_studies_not_completed_two_years_after_the_normal_length_are_flagged():
    # Four years from 2020 end on 2024-08-31; the longest length two years later, on 2026-08-31.
    on_the_day = study_progress(
        terms=years_of(2020, 40, 40, 40, 30), enrolment_year=2020, program="regular", today=date(2026, 8, 31),
        requirement=FOUR_YEARS,
    )  # fmt: skip
    after = study_progress(
        terms=years_of(2020, 40, 40, 40, 30), enrolment_year=2020, program="regular", today=date(2026, 9, 1),
        requirement=FOUR_YEARS,
    )  # fmt: skip
    assert on_the_day.longest_study_ends_on == date(2026, 8, 31)
    assert QuitFlag.STUDY_PERIOD_EXCEEDED not in on_the_day.quit_flags
    assert AcademicFlag(FlagKind.STUDY_PERIOD_EXCEEDED, "2026-08-31") in after.flags


def test_a_student_who_completed_the_studies_is_not_flagged_for_the_length():
    progress = study_progress(
        terms=years_of(2010, 40, 40, 40, 40), enrolment_year=2010, program="regular", today=date(2026, 9, 1),
        requirement=FOUR_YEARS, studies_completed=True,
    )  # fmt: skip
    assert progress.flags == ()


def test_an_unknown_programme_rule_is_refused():
    with pytest.raises(ValueError):
        study_progress(terms=[], enrolment_year=2024, program="phd", today=date(2025, 1, 1))
