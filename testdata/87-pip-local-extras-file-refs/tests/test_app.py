def test_app_name():
    from shop import app
    assert app.name == "shop"
