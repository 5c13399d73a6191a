"""The catalog search of New order finds order types and device models by what people type; device models show
their picture and key specs, and admins give them a picture (checked by its content) on the device model's form."""

from __future__ import annotations

import html
import io
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import DeviceModel, StoredFile
from app.orders import types
from app.orders.catalog_search import search_catalog
from tests.support.pages import HTMX, field_error, form_values, input_value, text_of
from tests.support.security import PNG


def _found(text: str) -> tuple[set[str], set[str]]:
    """(order type codes, device names) the search finds for `text`."""
    found = search_catalog(db.session, text, types.REGISTRY.values())
    return {t.code for t in found.order_types}, {str(m) for m in found.devices}


# ---------------------------------------------------------------- the search, as a function
def test_order_types_are_found_by_the_start_of_any_word_of_their_name_or_description(db_session):
    codes, devices = _found("upgrade")
    assert "upgrade" in codes and "new_line" not in codes and devices == set()
    new_li = _found("new li")[0]  # every word typed starts one of the type's words: "A new phone number for a line"
    assert {"new_line", "change_number"} <= new_li and "suspend" not in new_li
    assert "change_number" in _found("phone number")[0]
    assert "warranty_replacement" in _found("DEFECTIVE")[0]  # a word of the description, in capitals
    everything = search_catalog(db_session, "  ", types.REGISTRY.values())
    assert len(everything.order_types) == len(types.REGISTRY) and everything.devices == [] and not everything.nothing


def test_devices_are_found_by_maker_model_storage_colour_and_specs_words(db_session):
    assert _found("pixel")[1] == {"Google Pixel 9 128 GB Obsidian"}
    assert _found("apple 128")[1] == {"Apple iPhone 16 128 GB Black", "Apple iPad Air 11-inch 128 GB Space gray"}
    assert _found("256gb")[1] == {"Apple iPhone 16 Pro 256 GB Natural titanium", "Samsung Galaxy S25 256 GB Navy"}
    assert _found("titan")[1] == {"Apple iPhone 16 Pro 256 GB Natural titanium"}
    assert _found("hotspot wi-fi")[1] == {"Netgear Nighthawk M6 hotspot Black"}
    assert "Samsung Galaxy A56 128 GB Graphite" in _found("5g triple")[1]


def test_accents_do_not_matter_either_way(db_session):
    assert _found("Pixél")[1] == {"Google Pixel 9 128 GB Obsidian"}
    pixel = db_session.scalar(select(DeviceModel).where(DeviceModel.name == "Pixel 9"))
    pixel.color = "Bleu océan"
    db_session.flush()
    assert _found("ocean")[1] == {"Google Pixel 9 128 GB Bleu océan"}
    assert _found("OCÉAN")[1] == {"Google Pixel 9 128 GB Bleu océan"}


def test_nothing_found_and_retired_models_are_not_offered(db_session):
    found = search_catalog(db_session, "zzzz", types.REGISTRY.values())
    assert found.nothing and found.order_types == [] and found.devices == []
    db_session.scalar(select(DeviceModel).where(DeviceModel.name == "Pixel 9")).active = False
    db_session.flush()
    assert _found("pixel")[1] == set()


# ---------------------------------------------------------------- New order, with and without JavaScript
def _device_card(page: str, name: str) -> str:
    cards = re.findall(r'<li class="device-card">(.*?)</ul>\s*</li>', page, re.S)
    return next(card for card in cards if name in card)


def test_the_search_works_as_a_plain_get_and_offers_the_device_with_its_picture_and_specs(login, demo):
    erin = login("employee")
    response = erin.get("/orders/new?q=pixel")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page
    assert input_value(page, "catalog-q") == "pixel"
    card = _device_card(page, "Pixel 9")
    picture = re.search(r'<img class="device-picture" src="([^"]+)" alt="Google Pixel 9"', card)
    assert picture, card
    assert "6.3-inch screen" in text_of(card) and "128 GB" in text_of(card) and "Obsidian" in text_of(card)
    pixel = demo.model("Pixel 9")
    assert f'href="/orders/new/new_line?device_model={pixel}"' in card
    assert f'href="/orders/new/upgrade?device_model={pixel}"' in card  # Erin has a line to upgrade
    assert "Change phone number" not in page  # the order types that do not match are not listed
    served = erin.get(picture.group(1))
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"] and "private" in served.headers["Cache-Control"]


def test_htmx_asks_for_the_results_alone_and_nothing_found_says_so(login):
    erin = login("employee")
    fragment = erin.get("/orders/new?q=upgrade", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="catalog-q"' not in fragment
    assert ">Upgrade</a>" in fragment and ">New line</a>" not in fragment
    nothing = erin.get("/orders/new?q=zzzz", headers=HTMX).get_data(as_text=True)
    assert "Nothing matches “zzzz”" in text_of(nothing)
    assert 'href="/orders/new"' in nothing  # and the way back to every order type


def test_ordering_for_someone_else_is_kept_on_every_link_and_in_the_search_form(login, demo):
    iris = demo.user("iris.sato@example.com")
    hana = login("helpdesk")
    page = hana.get(f"/orders/new?for={iris}&q=iphone").get_data(as_text=True)
    assert f'<input type="hidden" name="for" value="{iris}">' in page
    catalog = page.split('id="catalog"', 1)[1]
    links = [html.unescape(link) for link in re.findall(r'href="(/orders/new[^"]*)"', catalog)]
    assert links and all(f"for={iris}" in link for link in links), links
    fragment = hana.get(f"/orders/new?for={iris}&q=zzzz", headers=HTMX).get_data(as_text=True)
    assert f'href="/orders/new?for={iris}"' in fragment


def test_a_device_found_stays_chosen_on_the_form_until_the_carrier_is_and_shows_beside_the_price(login, demo):
    erin = login("employee")
    pixel = demo.model("Pixel 9")
    form = erin.get(f"/orders/new/new_line?device_model={pixel}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{pixel}"|<option value="{pixel}" selected', form)
    summary = form.split('id="order-summary"', 1)[1]
    assert 'alt="Google Pixel 9"' in summary and "6.3-inch screen" in summary
    # Choosing the carrier redraws the form: the device is still chosen, among that carrier's devices.
    data = form_values(form) | {"carrier": str(demo.carrier("northwind"))}
    redrawn = erin.post("/orders/new/new_line?refresh=1", data, headers=HTMX).get_data(as_text=True)
    assert re.search(rf'<option selected value="{pixel}"|<option value="{pixel}" selected', redrawn)
    assert "Apple iPhone 16 128 GB Black" in redrawn  # the carrier's other devices are offered too


# ---------------------------------------------------------------- pictures: served, uploaded by admins
# These tests sign in several people, so they read the database in app contexts of their own (a request made
# inside a test's app context would share its `g`, and with it the person signed in).
def _picture_of(app, model_id: int) -> StoredFile | None:
    with app.app_context():
        model = db.session.get(DeviceModel, model_id)
        picture = model.picture
        if picture is not None:
            db.session.expunge(picture)
        return picture


def _stored_files(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StoredFile))


def test_a_stored_file_that_is_no_device_picture_is_not_served_as_one_and_only_people_signed_in_see_them(
    app, login, client, demo
):
    from app.catalog.settings import set_company_logo

    with app.app_context():
        logo_id = set_company_logo(db.session, PNG, "logo.png", None).id
        db.session.commit()
    assert login("employee").get(f"/catalog/pictures/{logo_id}").status_code == 404
    picture = _picture_of(app, demo.model("Pixel 9"))
    response = client.get(f"/catalog/pictures/{picture.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def _edit_row(admin, model_id: int) -> dict:
    page = admin.get(f"/admin/catalog/device-models?edit={model_id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    return form_values(page.split('class="editing-row"', 1)[1])


def test_admin_uploads_a_picture_and_key_specs_on_the_device_models_form(app, login, demo):
    pixel = demo.model("Pixel 9")
    old_picture = _picture_of(app, pixel)
    admin = login("admin")
    data = _edit_row(admin, pixel) | {"specs": "6.3-inch screen, 5G, Tensor G4", "picture": (io.BytesIO(PNG), "p.png")}
    response = admin.post(f"/admin/catalog/device-models/{pixel}", data)
    assert response.status_code == 302, field_error(response.get_data(as_text=True), f"device-models-{pixel}-picture")
    picture = _picture_of(app, pixel)
    assert picture.content_type == "image/png" and picture.data == PNG
    with app.app_context():
        assert db.session.get(DeviceModel, pixel).specs == "6.3-inch screen, 5G, Tensor G4"
        assert db.session.get(StoredFile, old_picture.id) is None  # the picture it replaced is gone
    erin = login("employee")
    served = erin.get(f"/catalog/pictures/{picture.id}")
    assert served.data == PNG and served.mimetype == "image/png"
    found = erin.get("/orders/new?q=tensor").get_data(as_text=True)
    assert f'src="/catalog/pictures/{picture.id}"' in found


def test_a_file_that_is_not_an_image_is_refused_beside_the_field_and_what_was_typed_is_kept(app, login, demo):
    pixel = demo.model("Pixel 9")
    before, files = _picture_of(app, pixel).id, _stored_files(app)
    admin = login("admin")
    fake = io.BytesIO(b"<svg onload='alert(1)'></svg>")  # a script in a picture's clothes: refused by its content
    data = _edit_row(admin, pixel) | {"specs": "Typed by the admin", "picture": (fake, "phone.png")}
    response = admin.post(f"/admin/catalog/device-models/{pixel}", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is not a PNG, JPEG, GIF or WebP image" in field_error(page, f"device-models-{pixel}-picture")
    assert input_value(page, f"device-models-{pixel}-specs") == "Typed by the admin"
    assert _picture_of(app, pixel).id == before and _stored_files(app) == files


def test_admin_removes_a_picture_and_the_model_shows_none(app, login, demo):
    pixel = demo.model("Pixel 9")
    before = _picture_of(app, pixel).id
    admin = login("admin")
    response = admin.post(f"/admin/catalog/device-models/{pixel}", _edit_row(admin, pixel) | {"remove_picture": "y"})
    assert response.status_code == 302
    assert _picture_of(app, pixel) is None
    with app.app_context():
        assert db.session.get(StoredFile, before) is None


def test_no_one_but_an_admin_uploads_a_picture(app, login, demo):
    pixel = demo.model("Pixel 9")
    before = _picture_of(app, pixel).id
    for role in ("employee", "telecom", "helpdesk"):
        response = login(role).post(
            f"/admin/catalog/device-models/{pixel}", {"picture": (io.BytesIO(PNG), "p.png"), "maker": "Google"}
        )
        assert response.status_code == 403, role
    assert _picture_of(app, pixel).id == before


def test_variants_added_together_share_the_picture_uploaded_with_them(app, login):
    from tests.support.catalog import CASES

    with app.app_context():
        data = CASES["device-models"]["new"]() | {"colors": "Frost, Obsidian", "specs": "6.3-inch screen, 5G"}
    admin = login("admin")
    new_page = admin.get("/admin/catalog/device-models/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in new_page
    assert 'accept="image/gif,image/jpeg,image/png,image/webp"' in new_page
    response = admin.post("/admin/catalog/device-models/new", data | {"picture": (io.BytesIO(PNG), "pixel-10.png")})
    assert response.status_code == 302
    with app.app_context():
        variants = db.session.scalars(select(DeviceModel).where(DeviceModel.name == "Pixel 10")).all()
        assert len(variants) == 2 and variants[0].picture_id == variants[1].picture_id is not None
        assert variants[0].picture.filename == "pixel-10.png" and variants[0].specs == "6.3-inch screen, 5G"
