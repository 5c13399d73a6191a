"""Importing lines and devices from CSV: a template to fill in, a preview of each row's errors, then every row
imported by the worker (through real Redis) or none, with progress and a summary."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.inventory import imports
from app.models import Device, ImportBatch, ImportStatus, InventoryChange, Line, Sim, User
from tests.support.helpers import run_queued_jobs
from tests.support.inventory import as_csv, new_row

ROOT = Path(__file__).resolve().parent.parent


def run_worker(app) -> None:
    """Run the queued jobs, as the worker process does, in this process (a real RQ worker on real Redis)."""
    from app.queue import task_queue

    with app.app_context():
        run_queued_jobs(task_queue())


def run_worker_process(app, database_url: str, redis_url: str) -> str:
    """Run the queued jobs with the real worker (worker.py), in a process of its own, as in production;
    what it printed comes back, to explain a failure."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE": app.config["RQ_QUEUE"],
        "SECRET_KEY": app.config["SECRET_KEY"],
    }
    done = subprocess.run(
        [sys.executable, "worker.py", "--burst"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    return done.stdout + done.stderr


def upload(client, text: str, filename: str = "carrier-export.csv"):
    return client.post(
        "/inventory/import", {"file": (io.BytesIO(text.encode("utf-8")), filename)}, content_type="multipart/form-data"
    )


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def batch_page(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_template_csv_has_the_columns_and_an_example_row_that_passes_the_checks(app, login):
    response = login("helpdesk").get("/inventory/import/template.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(imports.COLUMNS) and len(rows) == 2
    with app.app_context():
        assert imports.check_csv(db.session, response.get_data(as_text=True)).ok


def test_the_preview_lists_each_rows_errors_by_row_and_column_and_offers_no_import(app, login):
    with app.app_context():
        taken = db.session.scalar(select(Line).join(Line.employee).where(User.email == "manager@example.com"))
        taken_imei, taken_number = taken.device.imei, taken.number
    rows = [
        new_row(1),
        new_row(2, phone_number="(555) 010-1234"),
        new_row(3, imei="35999911000003", carrier="verizon"),
        new_row(4, employee_email="nobody@example.com", activated_on="03/01/2026"),
        new_row(5, imei=taken_imei),
        new_row(6, phone_number=new_row(1)["phone_number"]),
        new_row(7, plan="Gold plan", device_model="Nokia 3310", line_status="paused"),
        new_row(8, iccid="8901260000000000015"),
    ]
    lines_before, changes_before = count(app, Line), count(app, InventoryChange)
    client = login("helpdesk")
    html = batch_page(client, upload(client, as_csv(rows)))
    assert "Preview:" in html and "errors to fix" in html
    assert '<button type="submit">Import</button>' not in html
    table = html.split('class="import-errors"', 1)[1]
    found = re.findall(r'<td class="num">(\d+)</td><td>([a-z_]+)</td><td>[^<]*</td><td>([^<]+)</td>', table)
    messages = {(int(row), column): message.replace("&#39;", "'") for row, column, message in found}
    assert messages[(3, "phone_number")] == "(555) 010-1234 is not a valid phone number."
    assert messages[(4, "imei")] == "An IMEI has 15 digits; this has 14."
    assert messages[(4, "carrier")].startswith("There is no carrier called “verizon”; use one of")
    assert messages[(5, "employee_email")] == "No one has the email nobody@example.com."
    assert messages[(5, "activated_on")] == "Write the date as YYYY-MM-DD, like 2026-03-01."
    assert messages[(6, "imei")].startswith(f"IMEI {taken_imei[:2]}-") and "Marco Diaz's line" in messages[(6, "imei")]
    assert messages[(7, "phone_number")] == "Row 2 has this phone number too: each may appear once."
    assert messages[(8, "plan")] == "Contoso Mobile has no plan called “Gold plan”."
    assert messages[(8, "device_model")] == "There is no device model called “Nokia 3310”."
    assert messages[(8, "line_status")] == "Use active, suspended, disconnected or transferred_out."
    assert messages[(9, "iccid")] == "This ICCID's check digit is wrong: check for a mistyped digit."
    assert not any(row == 2 for row, _ in messages)  # the good row has no error
    assert count(app, Line) == lines_before and count(app, InventoryChange) == changes_before
    with app.app_context():
        batch = db.session.scalar(select(ImportBatch))
        assert batch.status == ImportStatus.PREVIEWED and batch.error_count == len(messages)
    assert taken_number


def test_a_file_with_errors_cannot_be_imported_even_by_posting_import(app, login):
    client = login("helpdesk")
    upload(client, as_csv([new_row(1, imei="123")]))
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id))
    page = batch_page(client, client.post(f"/inventory/import/{batch_id}/run"))
    assert "Fix the errors in the file" in page
    run_worker(app)
    assert count(app, Line) == count(app, Line)  # unchanged
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).status == ImportStatus.PREVIEWED


def test_a_clean_file_previews_then_imports_every_row_with_a_summary_and_history(app, login, database_url, redis_url):
    with app.app_context():
        erin = db.session.scalar(select(Line).join(Line.employee).where(User.email == "employee@example.com"))
        erin_update = {"phone_number": erin.number, "carrier": "northwind", "account_number": "NW-NEW-ACCOUNT"}
    rows = [new_row(1), new_row(2, employee_email="", cost_center=""), erin_update]
    lines_before, devices_before, sims_before = count(app, Line), count(app, Device), count(app, Sim)
    client = login("helpdesk")
    preview = batch_page(client, upload(client, as_csv(rows)))
    assert "Preview: every row is ready" in preview
    assert "add 2 lines and update 1 line" in preview and "add 2 devices" in preview and "add 2 SIMs" in preview
    assert count(app, Line) == lines_before  # nothing yet
    batch_id = int(re.search(r"/inventory/import/(\d+)/run", preview).group(1))

    queued = batch_page(client, client.post(f"/inventory/import/{batch_id}/run"))
    assert "Importing…" in queued and 'data-hx-trigger="every 1s"' in queued and "<progress" in queued
    worker_said = run_worker_process(app, database_url, redis_url)
    done = client.get(
        f"/inventory/import/{batch_id}", headers={"HX-Request": "true", "HX-Target": "import-status"}
    ).get_data(as_text=True)
    assert "<html" not in done and "Imported" in done, worker_said
    assert "every 1s" not in done  # the polling stops
    assert "All 3 rows were imported" in done

    assert count(app, Line) == lines_before + 2
    assert count(app, Device) == devices_before + 2 and count(app, Sim) == sims_before + 2
    with app.app_context():
        line = db.session.scalar(select(Line).where(Line.number == "+16465551001"))
        assert line.device.serial == "SA00000001" and line.employee.email == "employee@example.com"
        assert line.plan.name == "Business 10 GB" and line.sims[0].iccid == new_row(1)["iccid"]
        assert line.device.status.value == "assigned"
        unassigned = db.session.scalar(select(Line).where(Line.number == "+16465551002"))
        assert unassigned.employee is None and unassigned.device.status.value == "in_stock"
        assert db.session.get(Line, erin.id).account_number == "NW-NEW-ACCOUNT"
        assert db.session.get(Line, erin.id).employee.email == "employee@example.com"  # blank cells kept
        created = db.session.scalar(
            select(InventoryChange).where(InventoryChange.record_type == "line", InventoryChange.record_id == line.id)
        )
        assert created.new_value == "created by import of carrier-export.csv"
        assert created.actor.email == "helpdesk@example.com"
        update = db.session.scalar(
            select(InventoryChange).where(InventoryChange.record_type == "line", InventoryChange.record_id == erin.id)
        )
        assert (update.field, update.new_value) == ("account_number", "NW-NEW-ACCOUNT")
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == ImportStatus.COMPLETED
        assert batch.summary["lines_created"] == 2 and batch.summary["lines_updated"] == 1


def test_an_import_that_no_longer_passes_its_checks_imports_nothing(app, login):
    rows = [new_row(n) for n in range(1, 6)]
    client = login("helpdesk")
    preview = batch_page(client, upload(client, as_csv(rows)))
    batch_id = int(re.search(r"/inventory/import/(\d+)/run", preview).group(1))
    client.post(f"/inventory/import/{batch_id}/run")
    with app.app_context():  # between the preview and the worker, someone records row 5's IMEI on a line
        line = db.session.scalar(select(Line).join(Line.employee).where(User.email == "manager@example.com"))
        line.device.imei = new_row(5)["imei"]
        db.session.commit()
    lines_before, devices_before = count(app, Line), count(app, Device)
    run_worker(app)
    assert count(app, Line) == lines_before and count(app, Device) == devices_before  # not even rows 1–4
    html = client.get(f"/inventory/import/{batch_id}").get_data(as_text=True)
    assert "Not imported" in html and "Nothing was imported." in html
    assert "Marco Diaz" in html  # the row's error names who has the IMEI now
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).status == ImportStatus.FAILED


def test_import_is_started_once_however_often_it_is_clicked(app, login):
    from app.queue import task_queue

    client = login("helpdesk")
    preview = batch_page(client, upload(client, as_csv([new_row(1)])))
    batch_id = int(re.search(r"/inventory/import/(\d+)/run", preview).group(1))
    client.post(f"/inventory/import/{batch_id}/run")
    again = batch_page(client, client.post(f"/inventory/import/{batch_id}/run"))
    assert "already being imported" in again
    with app.app_context():
        assert task_queue().count == 1


@pytest.mark.parametrize(
    "content,filename,message",
    [
        (b"", "empty.csv", "The file is empty."),
        (b"name,email\nErin,e@example.com\n", "people.csv", "The file has no phone_number or carrier column."),
        ("phone_number,carrier\n(212) 555-0100,northwind\n".encode("utf-16"), "lines.csv", "is not UTF-8 text"),
        (b"phone_number,carrier\n", "lines.csv", None),
        (b"phone_number,carrier\n", "lines.xlsx", "Choose a .csv file"),
    ],
)
def test_a_file_that_is_not_a_csv_of_lines_is_refused_next_to_the_file_field(app, login, content, filename, message):
    client = login("helpdesk")
    response = client.post(
        "/inventory/import", {"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data"
    )
    if message is None:  # a header and no rows: previewed as an error
        assert "The file has a header but no rows to import." in batch_page(client, response)
        return
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<small id="file-error" class="field-error">([^<]*)<', html).group(1)
    assert message in error.replace("&#39;", "'")


def test_no_file_chosen_says_so(login):
    client = login("helpdesk")
    response = client.post("/inventory/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV file to upload." in response.get_data(as_text=True)


def test_column_names_from_a_carriers_portal_are_understood(app):
    text = as_csv(
        [{"Wireless Number": "(646) 555-1001", "Carrier": "Contoso Mobile", "Status": "Active"}],
        columns=["Wireless Number", "Carrier", "Status"],
    )
    with app.app_context():
        checked = imports.check_csv(db.session, text)
    assert checked.ok and checked.rows[0].number == "+16465551001" and checked.rows[0].status.value == "active"


def test_an_exported_list_imports_back_without_changing_anything(app, login):
    client = login("helpdesk")
    exported = client.get("/inventory/lines.csv?status=active").get_data(as_text=True)
    changes_before = count(app, InventoryChange)
    preview = batch_page(client, upload(client, exported, "export.csv"))
    assert "Preview: every row is ready" in preview and "add 0 lines" in preview
    batch_id = int(re.search(r"/inventory/import/(\d+)/run", preview).group(1))
    client.post(f"/inventory/import/{batch_id}/run")
    run_worker(app)
    assert count(app, InventoryChange) == changes_before  # every value was already so: no history
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).summary["lines_updated"] == 0


def test_a_ten_thousand_row_file_shows_progress_then_imports_every_row(app, login):
    from app.inventory.import_runs import progress_of

    rows = [
        new_row(n, phone_number=f"+1{917 - n // 10_000}{5550000 + n % 10_000}", employee_email="", cost_center="")
        for n in range(10_000)
    ]
    client = login("helpdesk")
    preview = batch_page(client, upload(client, as_csv(rows), "big.csv"))
    assert "add 10,000 lines" in preview, re.findall(r"<td>([^<]*)</td>", preview)[:12]
    batch_id = int(re.search(r"/inventory/import/(\d+)/run", preview).group(1))
    queued = batch_page(client, client.post(f"/inventory/import/{batch_id}/run"))
    assert re.search(r'<progress id="import-progress-bar" value="0" max="10000">', queued)
    assert "0 of 10,000 rows imported" in queued
    lines_before = count(app, Line)
    run_worker(app)
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert progress_of(batch) == (10_000, 10_000)  # the worker reported its progress through Redis
        assert batch.summary["lines_created"] == 10_000
    assert count(app, Line) == lines_before + 10_000
    html = client.get(f"/inventory/import/{batch_id}").get_data(as_text=True)
    assert "All 10,000 rows were imported" in html
