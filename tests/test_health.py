"""GET /healthz names the state of the database and Redis."""

from tests.support.helpers import free_port


def test_healthz_is_200_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_is_503_naming_redis_when_redis_is_down(database_url):
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "ok"
    assert response.json["redis"].startswith("down")


def test_healthz_is_503_naming_the_database_when_it_is_unreachable(redis_url, tmp_path):
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db", "REDIS_URL": redis_url})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"].startswith("down")
    assert response.json["redis"] == "ok"
