import pytest

from bot.parsing import (
    BadLine,
    ReportQuery,
    StatusQuery,
    UpdateIntent,
    message_is_update,
    parse_report,
    parse_status,
    parse_update_line,
    parse_updates,
    strip_command,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", StatusQuery("summary")),
        ("priority 4", StatusQuery("priority", "4")),
        ("p4", StatusQuery("priority", "4")),
        ("Priority Four", StatusQuery("priority", "4")),
        ("priority 4 share", StatusQuery("priority", "4", share=True)),
        ("4.2.1", StatusQuery("action", "4.2.1")),
        ("overdue", StatusQuery("overdue")),
        ("red", StatusQuery("red")),
        ("amber", StatusQuery("amber")),
        ("not rated", StatusQuery("not_rated")),
        ("due 30d", StatusQuery("due", days=30)),
        ("due 2w", StatusQuery("due", days=14)),
        ("mine", StatusQuery("mine")),
        ("lead HOS S&CP", StatusQuery("lead", "HOS S&CP")),
        ("help", StatusQuery("help")),
        ("approve 4.2.1", StatusQuery("approve", "4.2.1")),
    ],
)
def test_status_queries(text, expected):
    assert parse_status(text) == expected


def test_not_a_status_query():
    assert parse_status("what is the weather") is None


@pytest.mark.parametrize(
    ("text", "stripped"),
    [("/status priority 4", "priority 4"), ("status mine", "mine"), ("<at>actionbot</at> status p4", "p4"),
     ("help", "help")],
)
def test_teams_and_terminal_accept_status_with_or_without_slash(text, stripped):
    assert strip_command(text) == stripped


def test_update_with_note_and_new_date():
    got = parse_update_line("4.2.1 amber - waiting on HR sign-off, new date end of Oct")
    assert got == UpdateIntent("4.2.1", "amber", "waiting on HR sign-off", "end of Oct",
                               "4.2.1 amber - waiting on HR sign-off, new date end of Oct")


@pytest.mark.parametrize(
    ("line", "rag"),
    [("4.2.1 Green", "green"), ("4.2.1 G", "green"), ("4.2.1 on track", "green"), ("4.2.1 AT RISK - x", "amber"),
     ("4.2.1 off track: x", "red"), ("4.2.1 done - evidence: x", "completed"),
     ("4.2.1 Complete - evidence: x", "completed"),
     ("4.2.1 r - x", "red")],
)
def test_rag_words_any_case(line, rag):
    got = parse_update_line(line)
    assert isinstance(got, UpdateIntent) and got.rag == rag


def test_completed_needs_evidence_in_the_parser_too():
    got = parse_update_line("4.2.1 done")
    assert isinstance(got, BadLine) and "4.2.1 completed - evidence: audit report Oct 16" in got.reason


def test_amber_and_red_need_a_reason():
    got = parse_update_line("4.2.1 red")
    assert isinstance(got, BadLine) and "reason" in got.reason


def test_note_longer_than_280_is_refused():
    got = parse_update_line("4.2.1 amber - " + "x" * 281)
    assert isinstance(got, BadLine) and "280" in got.reason


def test_thread_reply_takes_the_nudge_action_only_when_unambiguous():
    good, bad = parse_updates("amber - waiting on IT", ("4.2.1",))
    assert [g.ref for g in good] == ["4.2.1"] and not bad
    good, bad = parse_updates("amber - waiting on IT", ("4.2.1", "4.2.2"))
    assert not good and "which action" in bad[0].reason


def test_several_updates_one_per_line():
    good, bad = parse_updates("4.2.1 green\n\n4.2.2 amber - late\nhello")
    assert [g.ref for g in good] == ["4.2.1", "4.2.2"]
    assert [b.line for b in bad] == ["hello"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("overdue p4", StatusQuery("overdue", priority=4)),
        ("red in priority 5", StatusQuery("red", priority=5)),
        ("lead HOS S&CP page 2", StatusQuery("lead", "HOS S&CP", page=2)),
        ("due 30d p4 page 3", StatusQuery("due", days=30, priority=4, page=3)),
    ],
)
def test_list_queries_take_a_priority_and_a_page(text, expected):
    assert parse_status(text) == expected


def test_a_page_makes_no_sense_for_a_single_action():
    assert parse_status("4.2.1 page 2") is None


def test_the_command_for_the_next_page_reads_back_as_the_same_query():
    q = parse_status("lead HOS S&CP p2")
    assert q.command(page=2) == "status lead HOS S&CP p2 page 2"  # neutral: each channel adds its prefix
    again = parse_status(strip_command(q.command(page=2)))
    assert again == StatusQuery("lead", "HOS S&CP", priority=2, page=2)


def test_reds_and_ambers_together():
    assert parse_status("red and amber p5") == StatusQuery("red_amber", priority=5)
    assert parse_status(strip_command(StatusQuery("red_amber", priority=5).command())) == StatusQuery(
        "red_amber", priority=5
    )


# --- Lists that work everywhere (issue 12) ------------------------------------------------


@pytest.mark.parametrize("text", ["pending", "pizza", "p", "pfour", "p4x"])
def test_only_p_and_a_number_names_a_priority(text):
    assert parse_status(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("p 4", StatusQuery("priority", "4")),
        ("priority4", StatusQuery("priority", "4")),
        ("priority x", StatusQuery("priority", "x")),  # the word `priority` names one: answered "use a number"
        ("partner Police", StatusQuery("partner", "Police")),
        ("partners  Task & Finish Group", StatusQuery("partner", "Task & Finish Group")),
        ("agency Health p4 page 2", StatusQuery("partner", "Health", priority=4, page=2)),
        ("partner Police share", StatusQuery("partner", "Police", share=True)),
    ],
)
def test_priority_and_partner_queries(text, expected):
    assert parse_status(text) == expected


@pytest.mark.parametrize(
    ("text", "refs", "update"),
    [
        ("red", (), False),
        ("red and amber", (), False),
        ("completed", (), False),
        ("green p4", (), False),
        ("not rated", ("4.2.1",), False),
        ("4.2.1 red - no trainer", (), True),
        ("4.2.1 green\nred", (), True),
        ("amber - waiting on HR", (), False),  # no id and no thread: not an update (the core asks which action)
        ("green", ("4.2.1",), True),  # the answer to a nudge about one action
        ("red - no trainer", ("4.2.1",), True),
        ("done", ("4.2.1",), True),
        ("red and amber", ("4.2.1",), False),
        ("green p4", ("4.2.1",), False),
        ("green", ("4.2.1", "4.2.2"), True),  # answered "which action?"
        ("red and amber", ("4.2.1", "4.2.2"), False),
        ("status green", ("4.2.1",), False),
    ],
)
def test_message_is_update(text, refs, update):
    assert message_is_update(text, refs) is update


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("report", ReportQuery()),
        ("Report  p4", ReportQuery(priority=4)),
        ("report priority four", ReportQuery(priority=4)),
        ("report for p 10 share", ReportQuery(priority=10, share=True)),
        ("highlight report", ReportQuery()),
        ("report priority x", "x"),
        ("report px", None),
        ("report pending", None),
        ("reports", None),
        ("report 4.2.1", None),
    ],
)
def test_parse_report(text, expected):
    assert parse_report(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("overdue page " + "9" * 5000, StatusQuery("overdue", page=10_000)),  # int() refuses > 4,300 digits
        ("due " + "9" * 5000 + "d", StatusQuery("due", days=3660)),
        ("priority ٤", StatusQuery("priority", "4")),  # a decimal digit in another script is still a number
        ("priority ④", None),  # a digit int() refuses
        ("priority " + "9" * 5000, None),
        ("p" + "9" * 5000, None),
    ],
)
def test_numbers_typed_too_long_or_odd_are_bounded_or_refused_never_a_traceback(text, expected):
    assert parse_status(text) == expected


@pytest.mark.parametrize("text", ["report p" + "9" * 5000, "report priority " + "9" * 5000, "report priority ④"])
def test_a_report_for_a_number_int_refuses_is_not_a_report(text):
    assert parse_report(text) is None
