from tests.portal.conftest import activate

WRONG = "ABCD-EFGH-JKMN-PQRS"


def test_the_vendor_sees_failed_attempts_in_the_admin(admin_client, client, settings):
    settings.CAREPACK_ACTIVATION_ALERT_THRESHOLD = 1
    activate(client, WRONG, address="198.51.100.4")

    response = admin_client.get("/admin/portal/attemptcounter/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "address:198.51.100.4" in html
    assert "icon-yes" in html  # the "all" counter is above the threshold


def test_counters_cannot_be_added_or_edited(admin_client, client) -> None:
    from carepack.portal.models import AttemptCounter

    activate(client, WRONG)
    counter = AttemptCounter.objects.get(key="all")

    assert admin_client.get("/admin/portal/attemptcounter/add/").status_code == 403
    page = admin_client.get(f"/admin/portal/attemptcounter/{counter.pk}/change/")
    assert page.status_code == 200
    assert 'name="count"' not in page.content.decode()


def test_online_submissions_are_listed_without_their_token(admin_client, register):
    from carepack.portal.models import OnlineSubmission

    register([{"sku": "U4417PE"}])
    submission = OnlineSubmission.objects.get()

    listing = admin_client.get("/admin/portal/onlinesubmission/")
    detail = admin_client.get(f"/admin/portal/onlinesubmission/{submission.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert str(submission.public_id) in listing.content.decode()
    assert submission.token not in detail.content.decode()
