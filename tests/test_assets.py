"""Static files and pages on the wire: hashed names, Brotli and gzip, a year's immutable cache without Vary: Cookie,
the security headers; HTML over 1 KB compressed."""

import re

from app.web.assets import build, hashed_name


def test_a_hashed_name_keeps_the_extension():
    assert hashed_name("css/app.css", "3f9c0a1b2c4d") == "css/app.3f9c0a1b2c4d.css"
    assert hashed_name("LICENSE", "3f9c0a1b2c4d") == "LICENSE.3f9c0a1b2c4d"


def test_the_build_is_made_once_per_content_and_a_change_makes_a_new_one(tmp_path):
    source = tmp_path / "static"
    (source / "css").mkdir(parents=True)
    (source / "css" / "app.css").write_text("body { color: black; }\n" * 200)
    first, manifest = build(source, tmp_path / "built")
    assert (first / manifest["css/app.css"]).exists()
    assert (first / (manifest["css/app.css"] + ".br")).exists() and (first / (manifest["css/app.css"] + ".gz")).exists()
    again, _ = build(source, tmp_path / "built")
    assert again == first
    (source / "css" / "app.css").write_text("body { color: navy; }\n" * 200)
    changed, new_manifest = build(source, tmp_path / "built")
    assert changed != first and new_manifest["css/app.css"] != manifest["css/app.css"]


def test_pages_name_hashed_static_files_served_compressed_and_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    script = re.search(r'src="(/static/vendor/htmx/htmx-[\d.]+\.min\.[0-9a-f]{12}\.js)"', page)
    assert css and script
    for accept, encoding in (("br, gzip", "br"), ("gzip", "gzip"), ("", None)):
        response = client.get(script.group(1), headers={"Accept-Encoding": accept})
        assert response.status_code == 200 and response.headers.get("Content-Encoding") == encoding
        cache = response.headers["Cache-Control"]
        assert "immutable" in cache and int(re.search(r"max-age=(\d+)", cache).group(1)) >= 365 * 24 * 3600
        assert "Cookie" not in response.headers.get("Vary", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    plain = client.get(script.group(1))
    brotli = client.get(script.group(1), headers={"Accept-Encoding": "br"})
    assert len(brotli.get_data()) < len(plain.get_data()) / 2


def test_html_over_a_kilobyte_is_compressed(login):
    client = login("employee")
    response = client.http.get("/orders", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip" and "Accept-Encoding" in response.headers["Vary"]
