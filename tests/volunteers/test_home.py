def test_home_page_is_chinese_and_carries_the_brand(client, db):
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert "美丽沙州" in body


def test_login_page_is_served_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
