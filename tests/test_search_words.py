"""People are found by the start of any word of their name or email, or their employee number, through the
index of their words (app.search_words), kept up to date whenever a person is written."""

from __future__ import annotations

import re

from sqlalchemy import select, text

from app.extensions import db
from app.inventory.search import people_matching
from app.models import Line, PersonWord, User
from app.search_words import after_prefix, terms_of, words_of

HTMX = {"HX-Request": "true", "HX-Target": "results"}


def test_a_person_is_found_by_each_word_of_their_name_and_email_and_their_employee_number():
    words = words_of("Siobhán O'Brien-Ng", "S.OBrien@Example.com", "E-1042")
    assert {
        "siobhán",
        "o",
        "brien",
        "ng",
        "o'brien-ng",
        "s",
        "obrien",
        "example",
        "com",
        "s.obrien@example.com",
        "e-1042",
    } <= words
    assert words_of("Erin Park", None, None) == {"erin", "park"}
    assert words_of("", "", "") == set()
    assert all(len(w) <= 80 for w in words_of("x" * 200, None, None))


def test_what_was_typed_becomes_at_most_five_lowercase_terms():
    assert terms_of("  Erin   PARK ") == ["erin", "park"]
    assert terms_of("a b c d e f g") == ["a", "b", "c", "d", "e"]
    assert terms_of("   ") == []


def test_a_prefix_becomes_a_range():
    assert after_prefix("sil") == "sim"
    assert all("sil" <= word < after_prefix("sil") for word in ("sil", "silva", "silz"))
    assert not after_prefix("sil") > "sim"


def found(app, typed: str) -> set[str]:
    with app.app_context():
        ids = select(User.email).where(User.id.in_(people_matching(typed)))
        return set(db.session.scalars(ids))


def test_search_finds_people_by_word_starts_and_every_word_typed_must_match(app):
    assert "employee@example.com" in found(app, "Par")
    assert "employee@example.com" in found(app, "erin pa")
    assert "employee@example.com" in found(app, "PARK erin")
    assert "employee@example.com" in found(app, "employee@exa")
    assert "employee@example.com" not in found(app, "erin smith")
    assert "employee@example.com" not in found(app, "ark")  # a word's start, not any part of it
    assert found(app, "   ") == set()


def test_the_words_follow_a_person_who_is_added_renamed_and_removed(app):
    with app.app_context():
        erin = db.session.scalar(select(User).where(User.email == "employee@example.com"))
        erin.name = "Erin Kowalski"
        newcomer = User(email="quinn.zephyr@example.com", name="Quinn Zephyr", employee_number="Z-77")
        db.session.add(newcomer)
        db.session.commit()
        newcomer_id = newcomer.id
    assert "employee@example.com" in found(app, "kowal")
    assert "employee@example.com" not in found(app, "park")
    assert found(app, "zeph") == {"quinn.zephyr@example.com"} == found(app, "z-77")
    with app.app_context():
        erin = db.session.scalar(select(User).where(User.email == "employee@example.com"))
        erin.title = "Senior account executive"  # not a word she is found by: her words stay as they are
        db.session.commit()
        assert (
            db.session.scalar(
                select(PersonWord.word).where(PersonWord.user_id == erin.id, PersonWord.word == "kowalski")
            )
            == "kowalski"
        )
        db.session.execute(text("DELETE FROM person_words WHERE user_id = :id"), {"id": newcomer_id})
        db.session.delete(db.session.get(User, newcomer_id))
        db.session.commit()
    assert found(app, "zeph") == set()


def test_helpdesk_finds_lines_by_surname_as_typed(app, login):
    with app.app_context():
        line_id = db.session.scalar(select(Line.id).join(Line.employee).where(User.email == "employee@example.com"))
    helpdesk = login("helpdesk")
    for typed in ("Pa", "Par", "Park", "erin park", "park e"):
        html = helpdesk.get("/inventory/lines", query_string={"q": typed}, headers=HTMX).get_data(as_text=True)
        assert line_id in [int(i) for i in re.findall(r'href="/inventory/lines/(\d+)"', html)], typed
    employees = helpdesk.get("/inventory/employees", query_string={"q": "park"}, headers=HTMX).get_data(as_text=True)
    assert "Erin Park" in employees
    nobody = helpdesk.get("/inventory/employees", query_string={"q": "zzyzx"}, headers=HTMX).get_data(as_text=True)
    assert "Erin Park" not in nobody


def test_people_are_looked_up_through_the_index_of_words(app):
    """The plan reads person_words by its key (a range of words), never every person."""
    with app.app_context():
        query = people_matching("sil")
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(row) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "person_words" in plan and "SCAN users" not in plan and "SEARCH" in plan
        else:
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r) for r in db.session.execute(text(f"EXPLAIN {compiled}")))
            assert "pk_person_words" in plan


def test_accents_as_typed_or_stored_do_not_matter(app):
    assert terms_of("Érin MÜLLER") == ["erin", "muller"]
    with app.app_context():
        zoe = db.session.scalar(select(User).order_by(User.id))
        zoe.name = "Zoë Núñez-Müller"
        db.session.commit()
        for typed in ("zoe", "Zoë", "nunez", "NÚÑEZ", "muller", "zoë müll"):
            assert zoe.id in set(db.session.scalars(people_matching(typed))), typed
